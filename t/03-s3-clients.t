#!/usr/bin/perl
# Real S3 clients through the gateway to a store behind it: the AWS CLI
# (s3api and presign), npm aws4 and @aws-sdk/client-s3 v3 sign; ngx_iam
# verifies and decides; the store keeps what was allowed.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my ($port, $store) = (free_port(), free_port());

my $t = nginx_start(ports => [$port, $store], files => {
    'account.json' => read_file("$FindBin::Bin/data/account.json"),
    'html/shared/readme.txt' => "hello\n",
    'html/shared/secret/plans.txt' => "secret\n",
    'html/shared/home/alice/.keep' => '',
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    server {
        listen 127.0.0.1:$port;
        location / {
            iam on;
            iam_mapping s3;
            client_max_body_size 0;
            proxy_pass http://127.0.0.1:$store;
        }
    }
    server {
        listen 127.0.0.1:$store;
        access_log off;
        root \@DIR\@/html;
        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
            client_max_body_size 0;
        }
    }
HTTP

my $dir = $t->{dir};
my $endpoint = "http://127.0.0.1:$port";
my ($key, $secret) = ('AKIAEXAMPLEALICE0001', 'alice-secret');

sub has { my ($cmd) = @_; return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} }

SKIP: {
    skip 'the AWS CLI is not installed', 8 unless has('aws');

    write_file("$dir/aws-config", "[default]\nregion = us-east-1\ns3 =\n"
               . "    addressing_style = path\n    signature_version = s3v4\n");
    write_file("$dir/aws-credentials", "[default]\naws_access_key_id = $key\n"
               . "aws_secret_access_key = $secret\n");
    local $ENV{AWS_CONFIG_FILE} = "$dir/aws-config";
    local $ENV{AWS_SHARED_CREDENTIALS_FILE} = "$dir/aws-credentials";
    local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';
    local $ENV{AWS_PAGER} = '';

    my $aws = "aws --endpoint-url $endpoint";
    write_file("$dir/upload.bin", join '', map { chr($_ % 256) } 0 .. 4999);

    my $out = `$aws s3api put-object --bucket shared --key home/alice/cli.bin --body $dir/upload.bin 2>&1`;
    is($? >> 8, 0, 'aws s3api put-object into own home') or diag($out);
    is(read_file("$dir/html/shared/home/alice/cli.bin"), read_file("$dir/upload.bin"),
       'the store holds the same bytes');

    $out = `$aws s3api get-object --bucket shared --key home/alice/cli.bin $dir/back.bin 2>&1`;
    is($? >> 8, 0, 'aws s3api get-object') or diag($out);
    is(read_file("$dir/back.bin"), read_file("$dir/upload.bin"), 'the same bytes come back');

    $out = `$aws s3api head-object --bucket shared --key readme.txt 2>&1`;
    is($? >> 8, 0, 'aws s3api head-object') or diag($out);

    $out = `$aws s3api put-object --bucket shared --key home/bob/x.bin --body $dir/upload.bin 2>&1`;
    isnt($? >> 8, 0, "put-object into someone else's home fails");
    like($out, qr/AccessDenied/, 'and the CLI reports AccessDenied');

    my $url = `$aws s3 presign s3://shared/readme.txt --expires-in 60 2>&1`;
    chomp $url;
    is(http($url)->{body}, "hello\n", 'aws s3 presign: the URL works');
}

SKIP: {
    skip 'node or the npm test clients are missing (make deps)', 4
        unless has('node') && -d "$FindBin::Bin/node_modules/aws4";

    my $r = decode_json(`node $FindBin::Bin/clients/aws4-request.js GET $endpoint/shared/readme.txt $key $secret`);
    is($r->{status}, 200, 'npm aws4: GET allowed');
    is($r->{body}, "hello\n", 'npm aws4: the object');

    $r = decode_json(`node $FindBin::Bin/clients/aws4-request.js GET $endpoint/shared/secret/plans.txt $key $secret`);
    is($r->{status}, 403, 'npm aws4: explicit deny');

    $r = decode_json(`node $FindBin::Bin/clients/aws4-request.js GET $endpoint/shared/readme.txt $key wrong`);
    like($r->{body}, qr/SignatureDoesNotMatch/, 'npm aws4: wrong secret refused');
}

SKIP: {
    skip 'node or @aws-sdk/client-s3 is missing (make deps)', 4
        unless has('node') && -d "$FindBin::Bin/node_modules/\@aws-sdk/client-s3";

    my $out = `cd $FindBin::Bin && node clients/sdk-v3.mjs $endpoint $key $secret 2>$dir/sdk.err`;
    my $r = eval { decode_json($out) } // {};
    ok($r->{put}{ok}, '@aws-sdk/client-s3: PutObject allowed')
        or diag($out, read_file("$dir/sdk.err"));
    is($r->{get}{value}, 'from the v3 SDK', '@aws-sdk/client-s3: GetObject returns it');
    ok(!$r->{secret}{ok}, '@aws-sdk/client-s3: secret/ refused');
    is($r->{secret}{error}, 'AccessDenied', '@aws-sdk/client-s3: AccessDenied');
}

check_error_log($t);

done_testing();
