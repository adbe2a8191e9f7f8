"""AWS Lambda's control plane: functions, versions, aliases, layers, permissions, concurrency,
event invoke configs, function URLs and tags (docs/lambda.md). Invocation is built on top of
`LambdaService.resolve` and `code_dir` (resolve.py)."""
