#!/usr/bin/env python3
"""botocore as an S3 client of the test's nginx.

    s3_botocore.py ENDPOINT ACCESS_KEY SECRET [REGION] < ops.json

ops.json is a JSON list of operations, run in order in one process:
    {"op": "get_object", "Bucket": "b", "Key": "k"}          any S3 operation
    {"op": "presign", "method": "get_object", "Params": {...}, "ExpiresIn": 60}
Prints one JSON line per operation:
    {"ok": true, "status": 200, "body": "..."}               (body: text, if any)
    {"ok": false, "status": 403, "code": "AccessDenied", "message": "..."}
    {"url": "http://..."}                                     (presign)
"""

import json
import sys

import botocore.config
import botocore.exceptions
import botocore.session


def client(endpoint, key, secret, region):
    opts = dict(signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=5, read_timeout=10)
    # botocore >= 1.36 adds CRC checksums (and aws-chunked bodies) by
    # default; keep the wire format the one every version sends
    try:
        cfg = botocore.config.Config(request_checksum_calculation="when_required",
                                     response_checksum_validation="when_required",
                                     **opts)
    except TypeError:
        cfg = botocore.config.Config(**opts)

    session = botocore.session.get_session()
    return session.create_client("s3", region_name=region, endpoint_url=endpoint,
                                 aws_access_key_id=key,
                                 aws_secret_access_key=secret, config=cfg)


def run(c, op):
    name = op.pop("op")

    if name == "presign":
        url = c.generate_presigned_url(op["method"], Params=op.get("Params", {}),
                                       ExpiresIn=op.get("ExpiresIn", 3600),
                                       HttpMethod=op.get("HttpMethod"))
        return {"url": url}

    if "Body" in op and isinstance(op["Body"], str):
        op["Body"] = op["Body"].encode()

    try:
        resp = getattr(c, name)(**op)
    except botocore.exceptions.ClientError as e:
        err = e.response.get("Error", {})
        return {"ok": False,
                "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                "code": err.get("Code"), "message": err.get("Message")}

    out = {"ok": True,
           "status": resp.get("ResponseMetadata", {}).get("HTTPStatusCode")}
    if "Body" in resp:
        out["body"] = resp["Body"].read().decode("utf-8", "replace")
    for k in ("ContentLength", "ETag", "KeyCount", "TagSet", "VersionId"):
        if k in resp:
            out[k] = resp[k]
    if "Contents" in resp:
        out["keys"] = [o["Key"] for o in resp["Contents"]]
    return out


def main():
    endpoint, key, secret = sys.argv[1:4]
    region = sys.argv[4] if len(sys.argv) > 4 else "us-east-1"
    c = client(endpoint, key, secret, region)
    for op in json.load(sys.stdin):
        print(json.dumps(run(c, dict(op))), flush=True)


if __name__ == "__main__":
    main()
