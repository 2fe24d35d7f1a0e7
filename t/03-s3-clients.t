#!/usr/bin/perl
# Real S3 clients through the gateway to an object store behind it: the AWS
# CLI (s3api, s3 cp, s3 presign), npm aws4 and @aws-sdk/client-s3 v3 sign;
# ngx_iam verifies and decides; the store (nginx dav in the same config)
# keeps only what was allowed.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamSkip;
use IamTest;

my ($port, $store) = (free_port(), free_port());

my $t = nginx_start(ports => [$port, $store], files => {
    'account.json' => read_file("$FindBin::Bin/data/account.json"),
    'store/shared/readme.txt' => "hello\n",
    'store/shared/secret/plans.txt' => "secret\n",
    'store/shared/home/alice/.keep' => '',
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    log_format iam escape=json '{"principal":"\$iam_principal","action":"\$iam_action",'
        '"resource":"\$iam_resource","decision":"\$iam_decision","status":\$status}';

    # the gateway
    server {
        listen 127.0.0.1:$port;
        access_log \@DIR\@/decisions.log iam;
        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            client_max_body_size 0;
            proxy_request_buffering on;
            proxy_pass http://127.0.0.1:$store;
        }
    }

    # a tiny object store: files under store/, written with PUT, removed with DELETE
    server {
        listen 127.0.0.1:$store;
        access_log off;
        root \@DIR\@/store;
        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
            client_max_body_size 0;
        }
    }
HTTP

my $dir = $t->{dir};
system('chmod', '-R', 'a+rwX', "$dir/store");   # the workers run as nobody under root
my $endpoint = "http://127.0.0.1:$port";
my ($key, $secret) = ('AKIAEXAMPLEALICE0001', 'alice-secret');

sub has { my ($cmd) = @_; return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} }

SKIP: {
    skip_unless(has('aws'),
                'the AWS CLI (aws) is not on PATH', 15);

    write_file("$dir/aws-config", "[default]\nregion = us-east-1\ns3 =\n"
               . "    addressing_style = path\n    signature_version = s3v4\n");
    write_file("$dir/aws-credentials", "[default]\naws_access_key_id = $key\n"
               . "aws_secret_access_key = $secret\n");
    local $ENV{AWS_CONFIG_FILE} = "$dir/aws-config";
    local $ENV{AWS_SHARED_CREDENTIALS_FILE} = "$dir/aws-credentials";
    local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';
    local $ENV{AWS_PAGER} = '';
    delete local $ENV{AWS_PROFILE};
    delete local $ENV{AWS_ACCESS_KEY_ID};
    delete local $ENV{AWS_SECRET_ACCESS_KEY};
    delete local $ENV{AWS_SESSION_TOKEN};

    my $aws = "aws --endpoint-url $endpoint";
    write_file("$dir/upload.bin", join '', map { chr($_ % 256) } 0 .. 4999);

    my $out = `$aws s3api put-object --bucket shared --key home/alice/a.txt --body $dir/upload.bin 2>&1`;
    is($? >> 8, 0, 'aws s3api put-object into own home (HomeDir)') or diag($out);
    is(read_file("$dir/store/shared/home/alice/a.txt"), read_file("$dir/upload.bin"),
       'put-object: the store holds the same bytes');

    $out = `$aws s3api get-object --bucket shared --key home/alice/a.txt $dir/back.bin 2>&1`;
    is($? >> 8, 0, 'aws s3api get-object') or diag($out);
    is(read_file("$dir/back.bin"), read_file("$dir/upload.bin"), 'get-object: the same bytes come back');

    $out = `$aws s3api head-object --bucket shared --key home/alice/a.txt 2>&1`;
    is($? >> 8, 0, 'aws s3api head-object') or diag($out);
    like($out, qr/"ContentLength":\s*5000/, 'head-object: the length of the object');

    write_file("$dir/small.txt", "copied with aws s3 cp\n");
    $out = `$aws s3 cp $dir/small.txt s3://shared/home/alice/cp.txt 2>&1 && $aws s3 cp s3://shared/home/alice/cp.txt $dir/cp-back.txt 2>&1`;
    is($? >> 8, 0, 'aws s3 cp up and down') or diag($out);
    is(read_file("$dir/cp-back.txt"), "copied with aws s3 cp\n", 'aws s3 cp: the same bytes');

    $out = `$aws s3api delete-object --bucket shared --key home/alice/a.txt 2>&1`;
    is($? >> 8, 0, 'aws s3api delete-object in own home') or diag($out);
    ok(!-e "$dir/store/shared/home/alice/a.txt", 'delete-object: gone from the store');

    $out = `$aws s3api put-object --bucket shared --key home/bob/x --body $dir/upload.bin 2>&1`;
    isnt($? >> 8, 0, "alice's put-object into home/bob/ fails");
    like($out, qr/AccessDenied/, 'and the CLI reports AccessDenied');
    ok(!-e "$dir/store/shared/home/bob/x", 'nothing reached the store');

    my $url = `$aws s3 presign s3://shared/readme.txt --expires-in 60 2>&1`;
    chomp $url;
    like($url, qr/X-Amz-Signature=/, 'aws s3 presign: a SigV4 URL');
    my $r = http($url);
    is($r->{status} . ' ' . $r->{body}, "200 hello\n", 'aws s3 presign: curl fetches the object');
}

SKIP: {
    skip_unless(has('node') && -d "$FindBin::Bin/node_modules/aws4",
                'node or npm aws4 is missing (cd t && npm ci)', 7);

    my $aws4 = sub {
        my $out = `node $FindBin::Bin/clients/aws4-get.js @_ 2>&1`;
        return eval { decode_json($out) } // { status => 0, body => $out };
    };
    my $r = $aws4->("$endpoint/shared/readme.txt", $key, $secret);
    is($r->{status}, 200, 'npm aws4: GET allowed') or diag($r->{body});
    is($r->{body}, "hello\n", 'npm aws4: the object');
    like($r->{signedHeaders} // '', qr/x-amz-content-sha256/, 'npm aws4: x-amz-content-sha256 signed');

    $r = $aws4->("$endpoint/shared/readme.txt", $key, $secret, 'UNSIGNED-PAYLOAD');
    is($r->{status}, 200, 'npm aws4: UNSIGNED-PAYLOAD allowed');

    $r = $aws4->("$endpoint/shared/secret/plans.txt", $key, $secret);
    is("$r->{status} " . ($r->{code} // ''), '403 AccessDenied', 'npm aws4: explicit deny on secret/');

    $r = $aws4->("$endpoint/shared/readme.txt", $key, 'wrong');
    is("$r->{status} " . ($r->{code} // ''), '403 SignatureDoesNotMatch', 'npm aws4: wrong secret refused');
}

SKIP: {
    skip_unless(has('node') && -d "$FindBin::Bin/node_modules/\@aws-sdk/client-s3",
                'node or @aws-sdk/client-s3 is missing (cd t && npm ci)', 7);

    my $out = `cd $FindBin::Bin && node clients/sdk-v3.mjs $endpoint $key $secret 2>$dir/sdk.err`;
    my $r = eval { decode_json($out) } // {};
    ok($r->{put}{ok}, '@aws-sdk/client-s3: PutObject allowed')
        or diag($out, read_file("$dir/sdk.err"));
    is(read_file("$dir/store/shared/home/alice/sdk.txt"), 'from the v3 SDK', '@aws-sdk/client-s3: the store holds it');
    is($r->{get}{value}, 'from the v3 SDK', '@aws-sdk/client-s3: GetObject returns it');
    ok(!$r->{secret}{ok}, '@aws-sdk/client-s3: GetObject on secret/ refused');
    is($r->{secret}{error} // '', 'AccessDenied', '@aws-sdk/client-s3: error name AccessDenied')
        or diag(explain($r->{secret}));

    # the SDK's default checksum settings: an aws-chunked body with a trailer
    ok($r->{putDefault}{ok}, '@aws-sdk/client-s3 defaults (aws-chunked, CRC32 trailer): PutObject allowed')
        or diag(explain($r->{putDefault}));
    is(read_file("$dir/store/shared/home/alice/sdk-default.txt"), 'default checksum settings',
       '@aws-sdk/client-s3 defaults: the store holds the object');
}

# every request the clients made is in the decision log
my @log = map { decode_json($_) } grep { /\S/ } split /\n/, read_file("$dir/decisions.log");
ok(scalar(grep { $_->{decision} eq 'explicitDeny' && $_->{action} =~ /^s3:GetObject$/ } @log),
   'decision log: the refused secret/ read is an explicitDeny');

check_error_log($t);

done_testing();
