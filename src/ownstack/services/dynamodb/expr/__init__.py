"""DynamoDB expressions: one AST (ast.py) for conditions, filters, key conditions, projections
and updates; one parser (parser.py), one evaluator (evaluate.py, update.py, project.py), and the
legacy request parameters translated into the same AST (legacy.py)."""
