#!/usr/bin/perl
# The examples can't rot: `make demo` runs the S3 gateway example with curl
# and the AWS CLI and fails on any unexpected decision; each example's files
# pass iamctl validate.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $root = root_dir();

for my $file (glob("$root/conf-examples/*/account.json"),
              glob("$root/conf-examples/*/*-policy.json"))
{
    my $out = `$root/build/iamctl validate $file 2>&1`;
    is($? >> 8, 0, "iamctl validate " . substr($file, length $root) )
        or diag($out);
}

SKIP: {
    skip 'the AWS CLI is not installed', 3 unless -x '/usr/bin/aws' || grep { -x "$_/aws" } split /:/, $ENV{PATH};

    my $out = `bash $root/conf-examples/demo.sh 2>&1`;
    is($? >> 8, 0, 'demo.sh: every request decided as expected') or diag($out);
    like($out, qr/alice uploads team\/home\/alice\/notes\.txt \(aws s3 cp\)\s+ok/,
         'demo.sh: the AWS CLI uploads through the gateway');
    like($out, qr/explicitDeny\s+by NoSecrets\/DenySecrets/,
         'demo.sh: the deciding statement is shown');
}

done_testing();
