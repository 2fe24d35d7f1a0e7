#!/usr/bin/perl
# The S3 gateway end to end: authorize, then re-sign.
#
#   client --(its own key)--> gateway nginx --(the store's key)--> store
#
# The store is npm s3rver, which keeps objects but does not check SigV4
# signatures (it accepts a wrong secret, a garbage signature and anonymous
# requests), so a second nginx with ngx_iam and only the store's key stands
# in front of it and verifies every signature the gateway forwards (then
# passes the request on to s3rver anonymously).  Real
# clients upload and download through the gateway with a key allowed only
# on its own prefix, data/team-a/, and compare the bytes.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;
use IamSkip;

my $s3rver_bin = "$FindBin::Bin/node_modules/s3rver/bin/s3rver.js";
unless (-f $s3rver_bin) {
    plan skip_all => 'npm s3rver is missing (cd t && npm ci)' unless $ENV{IAM_TEST_STRICT};
    fail('required for this test: npm s3rver (cd t && npm ci)');
    done_testing();
    exit;
}

my ($gw, $gw_plain, $gw_tls, $store, $s3rver) = map { free_port() } 1 .. 5;
my ($key, $secret) = ('AKIATEAMA00000000001', 'team-a-secret');
my ($store_key, $store_secret) = ('AKIASTOREKEY00000001', 'the-store-secret');

my $gateway_account = {
    account => ACCOUNT_ID,
    policies => {
        TeamA => { Version => '2012-10-17', Statement => [
            { Sid => 'OwnPrefix', Effect => 'Allow',
              Action => [qw(s3:GetObject s3:PutObject s3:DeleteObject
                            s3:AbortMultipartUpload s3:ListMultipartUploadParts)],
              Resource => 'arn:aws:s3:::data/team-a/*' },
            { Sid => 'BlueTagsOnly', Effect => 'Allow', Action => 's3:PutObjectTagging',
              Resource => 'arn:aws:s3:::data/team-a/*',
              Condition => { StringEquals => { 's3:RequestObjectTag/project' => 'blue' },
                             'ForAllValues:StringEquals' => { 's3:RequestObjectTagKeys' => ['project'] } } },
            { Sid => 'PrivateAclOnly', Effect => 'Allow', Action => 's3:PutObjectAcl',
              Resource => 'arn:aws:s3:::data/team-a/*',
              Condition => { StringEquals => { 's3:x-amz-acl' => 'private' } } },
            { Sid => 'ListOwnPrefix', Effect => 'Allow', Action => 's3:ListBucket',
              Resource => 'arn:aws:s3:::data',
              Condition => { StringLike => { 's3:prefix' => ['team-a/', 'team-a/*'] } } },
            # the request keys the gateway derives
            { Sid => 'NoOldPresignedUrls', Effect => 'Deny', Action => 's3:*',
              Resource => '*',
              Condition => { NumericGreaterThan => { 's3:signatureAge' => '600000' } } },
            { Sid => 'NoPresignedUploads', Effect => 'Deny', Action => 's3:PutObject',
              Resource => '*',
              Condition => { StringEquals => { 's3:authType' => 'REST-QUERY-STRING' } } },
            { Sid => 'ModernTls', Effect => 'Deny', Action => 's3:GetObject',
              Resource => 'arn:aws:s3:::data/team-a/tls/*',
              Condition => { NumericLessThan => { 's3:TlsVersion' => '1.3' } } },
            { Sid => 'SigV4Only', Effect => 'Deny', Action => 's3:*', Resource => '*',
              Condition => { StringNotEquals => { 's3:signatureversion' => 'AWS4-HMAC-SHA256' } } },
        ] },
    },
    users => {
        'team-a' => { policies => ['TeamA'],
                      access_keys => [{ id => $key, secret => $secret }] },
    },
};

my $store_account = {
    account => '111122223333',
    policies => { Store => { Version => '2012-10-17', Statement => [
        { Effect => 'Allow', Action => 's3:*', Resource => '*' } ] } },
    users => { store => { policies => ['Store'],
                          access_keys => [{ id => $store_key, secret => $store_secret }] } },
};

# an interrupted run still stops its servers (END blocks)
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

# s3rver, in its own process group, stopped at the end
my $data = File::Temp::tempdir('ngx-iam-s3rver-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
my $s3rver_pid = fork() // die "fork: $!";
if ($s3rver_pid == 0) {
    setpgrp(0, 0);
    open STDOUT, '>', "$data/s3rver.log";
    open STDERR, '>&', \*STDOUT;
    exec('node', $s3rver_bin, '-a', '127.0.0.1', '-p', $s3rver, '-d', "$data/store",
         '--configure-bucket', 'data', '--silent');
    exit 127;
}
END { local $?; if ($s3rver_pid) { kill 'TERM', -$s3rver_pid; waitpid($s3rver_pid, 0) } }
ok(wait_for_port($s3rver), 's3rver listens');

# the store's own verifier: only the store's key, every signature checked
my $st = nginx_start(ports => [$store], files => {
    'store.json' => encode_json($store_account),
}, http => <<"HTTP");
    iam_account \@DIR\@/store.json;
    log_format iam escape=json '{"action":"\$iam_action","decision":"\$iam_decision",'
        '"status":\$status,"uri":"\$request_uri","authError":"\$iam_auth_error",'
        '"key":"\$iam_access_key"}';
    server {
        listen 127.0.0.1:$store;
        access_log \@DIR\@/store.log iam;
        client_max_body_size 0;
        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            # verified here; s3rver takes anonymous requests
            proxy_set_header Authorization "";
            proxy_pass http://127.0.0.1:$s3rver;
        }
    }
HTTP

# a self-signed certificate for the gateway's TLS listener (s3:TlsVersion)
system("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
       . "-keyout $data/tls.key -out $data/tls.crt -subj /CN=localhost -days 1 2>/dev/null");
ok(-s "$data/tls.crt", 'openssl makes a certificate');

my $t = nginx_start(ports => [$gw, $gw_tls], files => {
    'gateway.json' => encode_json($gateway_account),
    'store-secret' => "$store_secret\n",
    'tls.crt' => read_file("$data/tls.crt"),
    'tls.key' => read_file("$data/tls.key"),
}, http => <<"HTTP");
    iam_account \@DIR\@/gateway.json;
    log_format iam escape=json '{"action":"\$iam_action","decision":"\$iam_decision",'
        '"status":\$status,"uri":"\$request_uri"}';

    # the gateway: clients' keys in, the store's key out
    server {
        listen 127.0.0.1:$gw;
        listen 127.0.0.1:$gw_tls ssl;
        ssl_certificate \@DIR\@/tls.crt;
        ssl_certificate_key \@DIR\@/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        access_log \@DIR\@/gateway.log iam;
        client_max_body_size 0;

        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            iam_upstream_sigv4 access_key=$store_key secret_file=\@DIR\@/store-secret
                               region=us-east-1 service=s3;

            proxy_pass http://127.0.0.1:$store\$iam_upstream_uri;
            proxy_set_header Authorization \$iam_upstream_authorization;
            proxy_set_header X-Amz-Date \$iam_upstream_date;
            proxy_set_header X-Amz-Content-Sha256 \$iam_upstream_content_sha256;
            proxy_set_header X-Amz-Security-Token "";
        }
    }

    # the same policies, no re-signing: the client's signature goes on
    server {
        listen 127.0.0.1:$gw_plain;
        client_max_body_size 0;
        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            proxy_pass http://127.0.0.1:$store;
        }
    }
HTTP

my $dir = $t->{dir};
my $endpoint = "http://127.0.0.1:$gw";
my $store_log = "$st->{dir}/store.log";

sub store_records { return map { decode_json($_) } grep { /\S/ } split /\n/, read_file($store_log) }
sub has { my ($cmd) = @_; return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} }

# random bytes of a given size, in the test dir
sub blob {
    my ($name, $size) = @_;
    open my $in, '<:raw', '/dev/urandom' or die $!;
    read($in, my $bytes, $size) == $size or die 'short read';
    write_file("$dir/$name", $bytes);
    return "$dir/$name";
}

sub same_file {
    my ($a, $b) = @_;
    return -f $a && -f $b && sha256_hex(read_file($a)) eq sha256_hex(read_file($b));
}

## curl --aws-sigv4

{
    my $r = curl_sigv4(key => $key, secret => $secret, method => 'PUT',
                       args => ['--data-binary', 'hello from curl'],
                       url => "$endpoint/data/team-a/curl.txt");
    is($r->{status}, 200, 'curl --aws-sigv4: PUT into own prefix') or diag($r->{raw});
    $r = curl_sigv4(key => $key, secret => $secret, url => "$endpoint/data/team-a/curl.txt");
    is("$r->{status} $r->{body}", '200 hello from curl', 'curl --aws-sigv4: GET returns the bytes');

    my @rec = store_records();
    ok(scalar(@rec) >= 2 && !grep({ $_->{decision} ne 'allowed' } @rec),
       'the store verified the re-signed requests') or diag(explain(\@rec));
    is($rec[-1]{key}, $store_key, 'signed with the store key, not the client key');

    $r = curl_sigv4(key => $key, secret => $secret, url => "$endpoint/data/team-b/curl.txt");
    like("$r->{status} $r->{body}", qr/^403 .*AccessDenied/s, 'curl: another prefix is refused');
    $r = curl_sigv4(key => $key, secret => 'wrong', url => "$endpoint/data/team-a/curl.txt");
    like("$r->{status} $r->{body}", qr/^403 .*SignatureDoesNotMatch/s, 'curl: a wrong secret is refused');

    # the store is a real verifier: the client's own signature is not enough
    $r = curl_sigv4(key => $key, secret => $secret, url => "http://127.0.0.1:$gw_plain/data/team-a/curl.txt");
    like("$r->{status} $r->{body}", qr/^403 .*InvalidAccessKeyId/s,
         'without re-signing, the store refuses the client key');
    $r = curl_sigv4(key => $store_key, secret => 'not-the-store-secret',
                    url => "http://127.0.0.1:$store/data/team-a/curl.txt");
    like("$r->{status} $r->{body}", qr/^403 .*SignatureDoesNotMatch/s,
         'the store refuses its own key with a wrong secret');
    $r = http("http://127.0.0.1:$store/data/team-a/curl.txt");
    is($r->{status}, 403, 'the store refuses anonymous requests');

    # a hex payload hash the client signed is kept, and signed upstream
    my $body = 'hex hash body';
    $r = curl_sigv4(key => $key, secret => $secret, method => 'PUT', payload => sha256_hex($body),
                    args => ['--data-binary', $body], url => "$endpoint/data/team-a/hex.txt");
    is($r->{status}, 200, 'curl: PUT with a hex x-amz-content-sha256') or diag($r->{raw});
    $r = curl_sigv4(key => $key, secret => $secret, url => "$endpoint/data/team-a/hex.txt");
    is($r->{body}, $body, 'curl: and the bytes come back');

    # x-amz-* headers are forwarded and signed
    $r = curl_sigv4(key => $key, secret => $secret, method => 'PUT',
                    args => ['-H', 'x-amz-meta-colour: deep  blue', '--data-binary', 'meta'],
                    url => "$endpoint/data/team-a/meta.txt");
    is($r->{status}, 200, 'curl: PUT with x-amz-meta-* (signed upstream)') or diag($r->{raw});
    $r = curl_sigv4(key => $key, secret => $secret, args => ['-I'],
                    url => "$endpoint/data/team-a/meta.txt");
    like($r->{headers}{'x-amz-meta-colour'} // '', qr/deep\s+blue/, 'the store kept the metadata');
}

## a signed aws-chunked upload cannot be re-signed: refused, not forwarded

{
    my @before = store_records();
    my $r = curl_sigv4(key => $key, secret => $secret, method => 'PUT',
                       payload => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
                       args => ['-H', 'x-amz-decoded-content-length: 5',
                                '-H', 'Content-Encoding: aws-chunked',
                                '--data-binary', "5;chunk-signature=00\r\nhello\r\n"],
                       url => "$endpoint/data/team-a/chunked.txt");
    like("$r->{status} $r->{body}", qr/^501 .*<Code>NotImplemented<\/Code>/s,
         'STREAMING-AWS4-HMAC-SHA256-PAYLOAD: 501 NotImplemented');
    like(error_log($t), qr/NotImplemented: access key "$key": a signed aws-chunked upload cannot be re-signed/,
         'one error-log line says why');
    is(scalar(store_records()), scalar(@before), 'nothing reached the store');
}

## presigned URLs: the auth parameters are not forwarded

{
    my $url = presign(url => "$endpoint/data/team-a/curl.txt", key => $key, secret => $secret);
    my $r = http($url);
    is("$r->{status} $r->{body}", '200 hello from curl', 'presigned GET through the gateway');
    my @rec = store_records();
    unlike($rec[-1]{uri}, qr/X-Amz-/i, 'the store sees no presigned parameters');
    is($rec[-1]{decision}, 'allowed', 'and verified the header signature');

    $url = presign(url => "$endpoint/data/team-b/x", key => $key, secret => $secret);
    is(http($url)->{status}, 403, 'a presigned URL to another prefix is refused');
}

## condition keys of the request: s3:signatureAge, s3:authType, s3:TlsVersion

# a presigned URL signed AGE seconds ago, valid for an hour
sub presign_aged {
    my ($url, $age, $method) = @_;
    my $py = <<'PY';
import sys, datetime as dt, botocore.auth as A
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret, age, method = sys.argv[1:6]
past = dt.datetime.utcnow() - dt.timedelta(seconds=int(age))
if hasattr(A, "get_current_datetime"):
    A.get_current_datetime = lambda *a, **k: past
else:
    class D(dt.datetime):
        @classmethod
        def utcnow(cls):
            return past
    class M:
        datetime = D
    A.datetime = M
req = AWSRequest(method=method, url=url)
A.S3SigV4QueryAuth(Credentials(key, secret), "s3", "us-east-1", expires=3600).add_auth(req)
print(req.url)
PY
    my $out = `python3 -c '$py' '$url' '$key' '$secret' '$age' '$method' 2>&1`;
    chomp $out;
    return $out;
}

{
    my $r = http(presign_aged("$endpoint/data/team-a/curl.txt", 60, 'GET'));
    is("$r->{status} $r->{body}", '200 hello from curl', 's3:signatureAge: a minute-old URL passes');
    my $mark = length error_log($t);
    $r = http(presign_aged("$endpoint/data/team-a/curl.txt", 1200, 'GET'));
    like("$r->{status} $r->{body}", qr/^403 .*AccessDenied/s, 's3:signatureAge: a 20-minute-old URL is refused');
    like(error_log_since($t, $mark), qr/explicitDeny by "TeamA\/NoOldPresignedUrls"/,
         'by the statement on s3:signatureAge');

    $mark = length error_log($t);
    my $url = presign(url => "$endpoint/data/team-a/up.txt", key => $key, secret => $secret,
                      method => 'PUT');
    $r = curl('-X', 'PUT', '--data-binary', 'x', $url);
    is($r->{status}, 403, 's3:authType: a presigned upload is refused');
    like(error_log_since($t, $mark), qr/NoPresignedUploads/, 'by the statement on s3:authType');

    my $tls = "https://127.0.0.1:$gw_tls/data/team-a/tls/doc.txt";
    $r = curl_sigv4(key => $key, secret => $secret, method => 'PUT',
                    args => ['-k', '--data-binary', 'over tls'], url => $tls);
    is($r->{status}, 200, 'PUT over TLS') or diag($r->{raw});
    $r = curl_sigv4(key => $key, secret => $secret, args => ['-k', '--tlsv1.3'], url => $tls);
    is("$r->{status} $r->{body}", '200 over tls', 's3:TlsVersion: TLS 1.3 may read tls/');
    $mark = length error_log($t);
    $r = curl_sigv4(key => $key, secret => $secret, args => ['-k', '--tls-max', '1.2'], url => $tls);
    is($r->{status}, 403, 's3:TlsVersion: TLS 1.2 may not');
    like(error_log_since($t, $mark), qr/ModernTls/, 'by the statement on s3:TlsVersion');
}

## the AWS CLI: s3 cp (64 MiB, multipart), s3 sync, s3 ls, s3api

SKIP: {
    skip_unless(has('aws'),
        'the AWS CLI (aws) is not on PATH', 26);

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

    my $big = blob('big.bin', 64 * 1024 * 1024);
    my $out = `$aws s3 cp $big s3://data/team-a/big.bin 2>&1`;
    is($? >> 8, 0, 'aws s3 cp: a 64 MiB upload') or diag($out);
    my @uploads = grep { $_->{uri} =~ /partNumber=/ && $_->{decision} eq 'allowed' } store_records();
    cmp_ok(scalar(@uploads), '>=', 8, 'in parts (multipart), each verified by the store');
    $out = `$aws s3 cp s3://data/team-a/big.bin $dir/big.back 2>&1`;
    is($? >> 8, 0, 'aws s3 cp: the download') or diag($out);
    ok(same_file($big, "$dir/big.back"), 'aws s3 cp: the same 64 MiB come back');

    make_path("$dir/tree/sub");
    write_file("$dir/tree/one.txt", "one\n");
    write_file("$dir/tree/sub/two.txt", "two\n");
    $out = `$aws s3 sync $dir/tree s3://data/team-a/tree 2>&1`;
    is($? >> 8, 0, 'aws s3 sync up') or diag($out);
    $out = `$aws s3 sync s3://data/team-a/tree $dir/tree-back 2>&1`;
    is($? >> 8, 0, 'aws s3 sync down') or diag($out);
    is(read_file("$dir/tree-back/sub/two.txt"), "two\n", 'aws s3 sync: the tree comes back');

    $out = `$aws s3 ls s3://data/team-a/ 2>&1`;
    is($? >> 8, 0, 'aws s3 ls of the own prefix') or diag($out);
    like($out, qr/big\.bin/, 'aws s3 ls lists the upload');
    $out = `$aws s3 ls s3://data/ 2>&1`;
    isnt($? >> 8, 0, 'aws s3 ls of the whole bucket is refused (s3:prefix)');
    like($out, qr/AccessDenied/, 'with AccessDenied');

    $out = `$aws s3api put-object --bucket data --key team-a/api.txt --body $dir/tree/one.txt 2>&1`;
    is($? >> 8, 0, 'aws s3api put-object') or diag($out);
    $out = `$aws s3api head-object --bucket data --key team-a/api.txt 2>&1`;
    like($out, qr/"ContentLength":\s*4/, 'aws s3api head-object') or diag($out);
    $out = `$aws s3api list-objects-v2 --bucket data --prefix team-a/tree/ 2>&1`;
    like($out, qr/team-a\/tree\/sub\/two\.txt/, 'aws s3api list-objects-v2 --prefix') or diag($out);
    $out = `$aws s3api get-object --bucket data --key team-a/api.txt $dir/api.back 2>&1`;
    is(read_file("$dir/api.back"), "one\n", 'aws s3api get-object') or diag($out);
    $out = `$aws s3api delete-object --bucket data --key team-a/api.txt 2>&1`;
    is($? >> 8, 0, 'aws s3api delete-object') or diag($out);
    $out = `$aws s3api head-object --bucket data --key team-a/api.txt 2>&1`;
    like($out, qr/404|Not Found/, 'and the object is gone');

    # multipart by hand: create, list parts, abort.  s3rver implements
    # neither ListParts nor AbortMultipartUpload (it answers
    # MethodNotAllowed): what is checked is that the gateway allowed them
    # and the store verified their re-signed requests.
    $out = `$aws s3api create-multipart-upload --bucket data --key team-a/mpu.bin 2>&1`;
    my ($upload) = $out =~ /"UploadId":\s*"([^"]+)"/;
    ok($upload, 'aws s3api create-multipart-upload') or diag($out);
    for my $op (['list-parts', 's3:ListMultipartUploadParts'],
                ['abort-multipart-upload', 's3:AbortMultipartUpload']) {
        `$aws s3api $op->[0] --bucket data --key team-a/mpu.bin --upload-id '$upload' 2>&1`;
        my ($rec) = grep { $_->{action} eq $op->[1] } store_records();
        is($rec && $rec->{decision}, 'allowed',
           "aws s3api $op->[0]: allowed, re-signed and verified by the store ($op->[1])");
    }
    $out = `$aws s3api list-multipart-uploads --bucket data 2>&1`;
    like($out, qr/AccessDenied/, 'aws s3api list-multipart-uploads: not granted, AccessDenied');
    $out = `$aws s3api get-object-tagging --bucket data --key team-a/big.bin 2>&1`;
    like($out, qr/AccessDenied/, 'aws s3api get-object-tagging: not granted, AccessDenied');
    $out = `$aws s3api put-object-acl --bucket data --key team-a/big.bin --acl public-read 2>&1`;
    like($out, qr/AccessDenied/, 'aws s3api put-object-acl public-read: AccessDenied (s3:x-amz-acl)');

    $out = `$aws s3 cp $dir/tree/one.txt s3://data/team-b/one.txt 2>&1`;
    isnt($? >> 8, 0, 'aws s3 cp into another prefix fails');
    like($out, qr/AccessDenied/, 'with AccessDenied');
    $out = `$aws s3 cp s3://data/team-a/curl.txt s3://data/team-b/stolen.txt 2>&1`;
    like($out, qr/AccessDenied/, 'aws s3 cp (CopyObject) into another prefix: AccessDenied');
}

## botocore: tagging (s3:RequestObjectTag), copy, listing, a multi-object delete

{
    my $ops = encode_json([
        { op => 'put_object', Bucket => 'data', Key => 'team-a/boto.txt',
          Body => 'from botocore', Tagging => 'project=blue' },
        { op => 'get_object', Bucket => 'data', Key => 'team-a/boto.txt' },
        { op => 'copy_object', Bucket => 'data', Key => 'team-a/boto-copy.txt',
          CopySource => 'data/team-a/boto.txt' },
        { op => 'get_object', Bucket => 'data', Key => 'team-a/boto-copy.txt' },
        { op => 'list_objects_v2', Bucket => 'data', Prefix => 'team-a/boto' },
        { op => 'delete_objects', Bucket => 'data',
          Delete => { Objects => [{ Key => 'team-a/boto-copy.txt' }] } },
        { op => 'get_object', Bucket => 'data', Key => 'team-b/anything' },
        { op => 'delete_objects', Bucket => 'data',
          Delete => { Objects => [{ Key => 'team-a/boto.txt' }, { Key => 'team-b/x' }] } },
        { op => 'put_object', Bucket => 'data', Key => 'team-a/red.txt',
          Body => 'red', Tagging => 'project=red' },
        { op => 'put_object', Bucket => 'data', Key => 'team-a/two.txt',
          Body => 'two tags', Tagging => 'project=blue&owner=me' },
    ]);
    write_file("$dir/boto-ops.json", $ops);
    my @r = map { decode_json($_) } grep { /^\{/ }
            split /\n/, `python3 $FindBin::Bin/clients/s3_botocore.py $endpoint $key $secret < $dir/boto-ops.json 2>&1`;
    is(scalar(@r), 10, 'botocore ran every operation') or diag(explain(\@r));
    ok($r[0]{ok}, 'botocore: put_object with x-amz-tagging') or diag(explain($r[0]));
    is($r[1]{body}, 'from botocore', 'botocore: get_object returns the bytes');
    ok($r[2]{ok}, 'botocore: copy_object within the prefix') or diag(explain($r[2]));
    is($r[3]{body}, 'from botocore', 'botocore: the copy has the bytes');
    is_deeply($r[4]{keys}, ['team-a/boto-copy.txt', 'team-a/boto.txt'], 'botocore: list_objects_v2')
        or diag(explain($r[4]));
    ok($r[5]{ok}, 'botocore: delete_objects in the prefix') or diag(explain($r[5]));
    is($r[6]{code}, 'AccessDenied', 'botocore: another prefix is refused');
    is($r[7]{code}, 'AccessDenied', 'botocore: a multi-object delete touching another prefix is refused');
    is($r[8]{code}, 'AccessDenied', 's3:RequestObjectTag/project: a red tag is refused');
    is($r[9]{code}, 'AccessDenied', 's3:RequestObjectTagKeys: an extra tag key is refused');
}

## @aws-sdk/client-s3 v3

SKIP: {
    skip_unless(has('node') && -d "$FindBin::Bin/node_modules/\@aws-sdk/client-s3",
        'node or @aws-sdk/client-s3 is missing (cd t && npm ci)', 7);

    my $out = `cd $FindBin::Bin && node clients/s3gw-sdk-v3.mjs $endpoint $key $secret data team-a/ 2>$dir/sdk.err`;
    my $r = eval { decode_json($out) } // {};
    ok($r->{put}{ok}, '@aws-sdk/client-s3: PutObject') or diag($out, read_file("$dir/sdk.err"));
    is($r->{get}{value}, $r->{put}{value}, '@aws-sdk/client-s3: GetObject returns the same bytes');
    is($r->{multipart}{value}, 'same bytes', '@aws-sdk/client-s3: a multipart upload comes back whole')
        or diag(explain($r->{multipart}));
    ok(scalar(grep { $_ eq 'team-a/sdk.bin' } @{ $r->{list}{value} || [] }),
       '@aws-sdk/client-s3: ListObjectsV2 of the prefix') or diag(explain($r->{list}));
    is($r->{forbidden}{error} // '', 'AccessDenied', '@aws-sdk/client-s3: another prefix is refused');

    # its defaults: STREAMING-UNSIGNED-PAYLOAD-TRAILER, passed on as it is;
    # s3rver does not decode aws-chunked bodies, so its bytes are not compared
    ok($r->{putDefault}{ok}, '@aws-sdk/client-s3 defaults (aws-chunked, CRC32 trailer): accepted')
        or diag(explain($r->{putDefault}));
    my ($rec) = grep { $_->{uri} =~ /sdk-default/ } store_records();
    is($rec && $rec->{decision}, 'allowed', 'and its re-signed request verified by the store');
}

## s3cmd and rclone from Debian

SKIP: {
    skip_unless(has('s3cmd'),
        's3cmd is not installed', 5);

    my $hp = "127.0.0.1:$gw";
    write_file("$dir/s3cfg", "[default]\naccess_key = $key\nsecret_key = $secret\n"
               . "host_base = $hp\nhost_bucket = $hp\nuse_https = False\n"
               . "signature_v2 = False\nbucket_location = us-east-1\n");
    my $s3cmd = "s3cmd -c $dir/s3cfg";
    my $file = blob('s3cmd.bin', 12 * 1024 * 1024);

    my $out = `$s3cmd put --multipart-chunk-size-mb=5 $file s3://data/team-a/s3cmd.bin 2>&1`;
    is($? >> 8, 0, 's3cmd put: 12 MiB in 5 MiB parts') or diag($out);
    $out = `$s3cmd get --force s3://data/team-a/s3cmd.bin $dir/s3cmd.back 2>&1`;
    is($? >> 8, 0, 's3cmd get') or diag($out);
    ok(same_file($file, "$dir/s3cmd.back"), 's3cmd: the same bytes come back');
    $out = `$s3cmd ls s3://data/team-a/ 2>&1`;
    like($out, qr{s3://data/team-a/s3cmd\.bin}, 's3cmd ls of the prefix') or diag($out);
    $out = `$s3cmd put $dir/tree/one.txt s3://data/team-b/one.txt 2>&1`;
    like($out, qr/403 \(AccessDenied\)/, 's3cmd put into another prefix: 403 AccessDenied');
}

SKIP: {
    skip_unless(has('rclone'),
        'rclone is not installed', 7);

    local $ENV{RCLONE_CONFIG} = '/dev/null';
    local $ENV{RCLONE_CONFIG_GW_TYPE} = 's3';
    local $ENV{RCLONE_CONFIG_GW_PROVIDER} = 'Other';
    local $ENV{RCLONE_CONFIG_GW_ACCESS_KEY_ID} = $key;
    local $ENV{RCLONE_CONFIG_GW_SECRET_ACCESS_KEY} = $secret;
    local $ENV{RCLONE_CONFIG_GW_ENDPOINT} = $endpoint;
    local $ENV{RCLONE_CONFIG_GW_REGION} = 'us-east-1';
    local $ENV{RCLONE_CONFIG_GW_FORCE_PATH_STYLE} = 'true';
    local $ENV{RCLONE_CONFIG_GW_NO_CHECK_BUCKET} = 'true';
    # rclone's AWS SDK cannot load a CA bundle into its own transport
    delete local $ENV{AWS_CA_BUNDLE};
    my $rclone = 'rclone --retries 1 --low-level-retries 1';
    my $file = blob('rclone.bin', 12 * 1024 * 1024);

    # rclone sends x-amz-acl: private, which PrivateAclOnly allows
    my $out = `$rclone copyto $file gw:data/team-a/rclone.bin --s3-upload-cutoff 5M --s3-chunk-size 5M 2>&1`;
    is($? >> 8, 0, 'rclone copyto: 12 MiB in 5 MiB parts (x-amz-acl: private)') or diag($out);
    $out = `$rclone copyto gw:data/team-a/rclone.bin $dir/rclone.back 2>&1`;
    is($? >> 8, 0, 'rclone copyto back') or diag($out);
    ok(same_file($file, "$dir/rclone.back"), 'rclone: the same bytes come back');
    $out = `$rclone lsf gw:data/team-a/ 2>&1`;
    like($out, qr/^rclone\.bin$/m, 'rclone lsf of the prefix') or diag($out);

    $out = `$rclone copyto $dir/tree/one.txt gw:data/team-a/public.txt --s3-acl public-read 2>&1`;
    isnt($? >> 8, 0, 'rclone with x-amz-acl: public-read is refused (s3:x-amz-acl)');
    $out = `$rclone copyto $dir/tree/one.txt gw:data/team-b/one.txt 2>&1`;
    isnt($? >> 8, 0, 'rclone into another prefix is refused');
    like($out, qr/AccessDenied|Forbidden/, 'with AccessDenied');
}

## configuration errors

for my $c (
    [ 'access_key=AKIASTOREKEY00000001 region=us-east-1',
      qr/"iam_upstream_sigv4" requires "access_key=", "secret_file=" and "region="/ ],
    [ 'access_key=AKIASTOREKEY00000001 secret_file=@DIR@/none region=us-east-1',
      qr/open\(\) ".*\/none" failed/ ],
    [ 'access_key=AKIASTOREKEY00000001 secret_file=@DIR@/empty region=us-east-1',
      qr/empty" must hold a secret access key of 1 to 256 bytes/ ],
    [ 'access_key=AKIASTOREKEY00000001 secret_file=@DIR@/secret region=us-east-1 service=sqs',
      qr/"iam_upstream_sigv4" signs S3 requests only: "service=sqs" is not supported/ ],
    [ 'access_key=AKIASTOREKEY00000001 secret_file=@DIR@/secret region=us-east-1 sevrice=s3',
      qr/invalid parameter "sevrice=s3"/ ],
) {
    my ($rc, $out) = nginx_test_config(files => { empty => "\n", secret => "s\n" }, http => <<"HTTP");
    server {
        listen 127.0.0.1:$gw;
        location / { iam_upstream_sigv4 $c->[0]; }
    }
HTTP
    isnt($rc, 0, "nginx -t fails: iam_upstream_sigv4 $c->[0]");
    like($out, $c->[1], 'with a clear message') or diag($out);
}

check_error_log($t);
check_error_log($st);

done_testing();
