"""Everything Lambda keeps survives a restart of the server on the same data dir, and S3's
orphan-blob sweep (which runs at every start) never touches Lambda's packages."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

from lambdakit import create, lambda_role, make_zip, unique

from ownserver import ServerFactory


def test_restart_keeps_functions_versions_aliases_and_layers(
    fresh_server: ServerFactory, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    lam, iam, s3 = first.client("lambda"), first.client("iam"), first.client("s3")
    s3.create_bucket(Bucket=unique("bucket"))  # so S3's sweep has something to compare with
    role = lambda_role(iam)
    layer = lam.publish_layer_version(
        LayerName="deps", Content={"ZipFile": make_zip({"python/dep.py": "X = 1\n"})}
    )["LayerVersionArn"]
    package = make_zip({"index.py": "def handler(e, c):\n    return 'kept'\n"})
    name = create(lam, role, Code={"ZipFile": package}, Layers=[layer], Tags={"k": "v"})[
        "FunctionName"
    ]
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.add_permission(
        FunctionName=name, StatementId="s", Action="lambda:InvokeFunction", Principal="*"
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    before = lam.get_function(FunctionName=name)["Configuration"]
    time.sleep(2.5)  # older than the sweep's cutoff at the next start
    first.stop()
    shutil.rmtree(data / "lambda" / "code")  # unpacked packages are a cache of the blobs

    second = fresh_server(data)
    lam = second.client("lambda")
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"] == before
    assert got["Tags"] == {"k": "v"}
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 7}
    with urllib.request.urlopen(got["Code"]["Location"]) as resp:
        assert resp.read() == package
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    assert json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"][0]["Sid"] == "s"
    assert lam.get_function_url_config(FunctionName=name)["FunctionUrl"] == url
    layer_out = lam.get_layer_version_by_arn(Arn=layer)
    with urllib.request.urlopen(layer_out["Content"]["Location"]) as resp:
        assert len(resp.read()) == layer_out["Content"]["CodeSize"]
    # Code is unpacked again (from the blobs) whenever a configuration is prepared.
    lam.update_function_configuration(FunctionName=name, Timeout=9)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    config = lam.get_function_configuration(FunctionName=name)
    assert (config["Timeout"], config["LastUpdateStatus"]) == (9, "Successful")
    assert list((data / "lambda" / "code").glob("*/index.py"))
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
