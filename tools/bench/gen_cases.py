#!/usr/bin/env python3
"""Simple simulate cases for the throughput figure: one identity policy of a
few statements, a request that is allowed, denied or unmatched."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
policy = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
     "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"]},
    {"Sid": "Home", "Effect": "Allow", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*"},
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject",
     "Resource": "*"}]}
actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "ec2:RunInstances"]
out = sys.stdout
for i in range(n):
    case = {"identity_policies": [policy],
            "request": {"principal": "arn:aws:iam::123456789012:user/alice",
                        "action": actions[i % 4],
                        "resource": "arn:aws:s3:::bucket/home/alice/f%d" % i,
                        "context": {"aws:username": "alice",
                                    "aws:SourceIp": "10.0.0.%d" % (i % 250)}}}
    out.write(json.dumps(case, separators=(",", ":")) + "\n")
