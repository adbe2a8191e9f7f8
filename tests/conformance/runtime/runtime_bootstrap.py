#!/usr/bin/python3
"""A `provided.al2023` custom runtime for the runtime port's conformance suite, written as a
function's `bootstrap`: only the sandbox's /usr/bin/python3 and its standard library.

It runs the Runtime API loop; each event's "action" says what the function does. TEST_INIT in
the function's environment says how init goes (ok, error, exit, slow).
"""

import base64
import http.client
import json
import os
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.split(":")
BASE = "/2018-06-01/runtime"
CONN = http.client.HTTPConnection(HOST, int(PORT))


def call(method, path, body=None, headers=None):
    CONN.request(method, BASE + path, body=body, headers=headers or {})
    reply = CONN.getresponse()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()


def init():
    mode = os.environ.get("TEST_INIT", "ok")
    print("init says hello", flush=True)
    if mode == "error":
        doc = {"errorMessage": "cannot load", "errorType": "Runtime.ImportModuleError"}
        status, _, body = call(
            "POST", "/init/error", json.dumps(doc),
            {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"},
        )  # fmt: skip
        print(f"init error posted: {status} {body.decode()}", flush=True)
        time.sleep(60)  # Lambda ends the runtime; it does not exit by itself
    if mode == "exit":
        print("init gives up", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "slow":
        time.sleep(float(os.environ["TEST_INIT_SECONDS"]))
    if mode == "hog":
        hog(None, {}, {"mb": int(os.environ["TEST_INIT_MB"])})


def respond(request_id, doc):
    return call("POST", f"/invocation/{request_id}/response", json.dumps(doc))


def main():
    init()
    while True:
        _, headers, body = call("GET", "/invocation/next")
        request_id = headers["lambda-runtime-aws-request-id"]
        event = json.loads(body)
        action = ACTIONS[event.get("action", "echo")]
        action(request_id, headers, event)


def echo(request_id, headers, event):
    lambda_headers = {k: v for k, v in headers.items() if k.startswith("lambda-runtime-")}
    lambda_headers["content-type"] = headers.get("content-type")
    respond(request_id, {"event": event, "headers": lambda_headers})


def describe(request_id, headers, event):
    respond(request_id, {
        "env": dict(os.environ), "uid": os.getuid(), "gid": os.getgid(), "cwd": os.getcwd(),
        "hostname": socket.gethostname(), "pid": os.getpid(), "root": sorted(os.listdir("/")),
        "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
        "opt": sorted(os.listdir("/opt")),
    })  # fmt: skip


def fail(request_id, headers, event):
    doc = {"errorMessage": event["message"], "errorType": "HandlerError", "stackTrace": ["x"]}
    extra = {"Lambda-Runtime-Function-Error-Type": "Unhandled"} if event.get("header") else {}
    status, _, body = call("POST", f"/invocation/{request_id}/error", json.dumps(doc), extra)
    print(f"error posted: {status} {body.decode()}", flush=True)


def talk(request_id, headers, event):
    for n in range(event["lines"]):
        print(f"out {n}", flush=True)
        print(f"err {n}", file=sys.stderr, flush=True)
    respond(request_id, "spoke")


def sleep(request_id, headers, event):
    print("going to sleep", flush=True)
    time.sleep(event["seconds"])
    respond(request_id, "woke")


def probe_paths(request_id, headers, event):
    found = {}
    for path in event["paths"]:
        try:
            if os.path.isdir(path):
                found[path] = sorted(os.listdir(path))
            else:
                with open(path) as opened:
                    found[path] = opened.read()
        except OSError as exc:
            found[path] = f"{type(exc).__name__}: errno {exc.errno}"
    respond(request_id, found)


def write_paths(request_id, headers, event):
    found = {}
    for path in event["paths"]:
        try:
            with open(path, "w") as out:
                out.write(event.get("content", "x"))
            found[path] = "written"
        except OSError as exc:
            found[path] = f"{type(exc).__name__}: errno {exc.errno}"
    respond(request_id, found)


def fill_tmp(request_id, headers, event):
    written, chunk = 0, b"\0" * (1024 * 1024)
    try:
        with open("/tmp/fill", "wb") as out:
            while written < event["limit_mb"] * 1024 * 1024:
                out.write(chunk)
                out.flush()
                written += len(chunk)
        outcome = "no limit hit"
    except OSError as exc:
        outcome = f"errno {exc.errno}"
    respond(request_id, {"written_mb": written // (1024 * 1024), "outcome": outcome})


def hog(request_id, headers, event):
    kept = []
    for _ in range(event["mb"]):
        kept.append(bytearray(1024 * 1024))
        kept[-1][::4096] = b"\1" * len(kept[-1][::4096])  # touch every page
    if request_id is not None:
        respond(request_id, {"held_mb": len(kept)})


def fork_bomb(request_id, headers, event):
    print("forking", flush=True)
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.001)


def exit_now(request_id, headers, event):
    print("exiting", flush=True)
    os._exit(event["code"])


def bad_request_id(request_id, headers, event):
    status, _, body = respond("not-" + request_id, "x")
    respond(request_id, {"status": status, "body": body.decode()})


def oversize(request_id, headers, event):
    status, _, body = call("POST", f"/invocation/{request_id}/response", b"x" * event["bytes"])
    print(f"oversize posted: {status} {body.decode()}", flush=True)


def late_init_error(request_id, headers, event):
    status, _, body = call("POST", "/init/error", "{}")
    respond(request_id, {"status": status, "body": body.decode()})


def unknown_paths(request_id, headers, event):
    seen = {}
    for method, path in event["requests"]:
        conn = http.client.HTTPConnection(HOST, int(PORT))
        conn.request(method, path)
        reply = conn.getresponse()
        seen[f"{method} {path}"] = [reply.status, reply.read().decode()]
        conn.close()
    respond(request_id, seen)


def stream(request_id, headers, event):
    """A streamed response written by hand: chunked encoding, then trailers."""
    sock = socket.create_connection((HOST, int(PORT)))
    head = (
        f"POST {BASE}/invocation/{request_id}/response HTTP/1.1\r\nHost: {API}\r\n"
        "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
    )
    sock.sendall(head.encode())
    for piece in event["chunks"]:
        data = piece.encode()
        sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        time.sleep(event.get("pause", 0))
    trailers = ""
    if event.get("fail"):
        doc = base64.b64encode(json.dumps({"errorMessage": "midway", "errorType": "Boom"}).encode())
        trailers = (
            "Lambda-Runtime-Function-Error-Type: Boom\r\n"
            f"Lambda-Runtime-Function-Error-Body: {doc.decode()}\r\n"
        )
    sock.sendall(f"0\r\n{trailers}\r\n".encode())
    reply = sock.recv(4096).decode()
    sock.close()
    print(f"stream posted: {reply.splitlines()[0]}", flush=True)


def steal(request_id, headers, event):
    """Ask another sandbox's Runtime API for its next invocation."""
    try:
        conn = http.client.HTTPConnection(*event["api"].split(":"), timeout=2)
        conn.request("GET", f"{BASE}/invocation/next")
        outcome = f"answered {conn.getresponse().status}"
    except (OSError, http.client.HTTPException) as exc:
        outcome = f"refused: {type(exc).__name__}"
    respond(request_id, outcome)


ACTIONS = {
    "echo": echo, "describe": describe, "fail": fail, "talk": talk, "sleep": sleep,
    "read": probe_paths, "write": write_paths, "fill_tmp": fill_tmp, "hog": hog,
    "fork_bomb": fork_bomb, "exit": exit_now, "bad_request_id": bad_request_id,
    "oversize": oversize, "late_init_error": late_init_error, "unknown_paths": unknown_paths,
    "stream": stream, "steal": steal,
}  # fmt: skip

if __name__ == "__main__":
    main()
