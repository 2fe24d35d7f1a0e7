#!/usr/bin/perl
# SigV4 through a real nginx: curl --aws-sigv4 and botocore sign, the module
# verifies; every failure gets its S3 error code.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $port = free_port();
my $account = read_file("$FindBin::Bin/data/account.json");

my $t = nginx_start(ports => [$port], files => {
    'account.json' => $account,
    'html/shared/readme.txt' => "hello\n",
    'html/shared/home/alice/notes.txt' => "alice's notes\n",
    'html/shared/secret/plans.txt' => "secret\n",
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    server {
        listen 127.0.0.1:$port;
        root \@DIR\@/html;
        location / {
            iam on;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }
HTTP

my $base = "http://127.0.0.1:$port";
my %alice = (key => 'AKIAEXAMPLEALICE0001', secret => 'alice-secret');

my $r = curl_sigv4(%alice, url => "$base/shared/readme.txt");
is($r->{status}, 200, 'curl --aws-sigv4: allowed GetObject');
is($r->{body}, "hello\n", 'curl --aws-sigv4: the object comes back');

$r = curl_sigv4(%alice, url => "$base/shared/home/alice/notes.txt");
is($r->{status}, 200, '${aws:username} in the resource: own home');

$r = curl_sigv4(%alice, url => "$base/shared/secret/plans.txt");
is($r->{status}, 403, 'explicit deny beats the group allow');
like($r->{body}, qr{<Code>AccessDenied</Code>}, 'S3 XML AccessDenied');

$r = http("$base/shared/readme.txt");
is($r->{status}, 403, 'unsigned request refused');
like($r->{body}, qr{<Code>AccessDenied</Code>}, 'unsigned: AccessDenied');

$r = curl_sigv4(key => $alice{key}, secret => 'wrong', url => "$base/shared/readme.txt");
is($r->{status}, 403, 'wrong secret refused');
like($r->{body}, qr{<Code>SignatureDoesNotMatch</Code>}, 'wrong secret: SignatureDoesNotMatch');

$r = curl_sigv4(key => 'AKIAEXAMPLEUNKNOWN01', secret => 'x', url => "$base/shared/readme.txt");
like($r->{body}, qr{<Code>InvalidAccessKeyId</Code>}, 'unknown key: InvalidAccessKeyId');
is($r->{status}, 403, 'unknown key: 403');

$r = curl_sigv4(key => 'AKIAEXAMPLEALICEOLD1', secret => 'alice-old-secret', url => "$base/shared/readme.txt");
like($r->{body}, qr{<Code>InvalidAccessKeyId</Code>}, 'inactive key: InvalidAccessKeyId');

$r = curl_sigv4(%alice, region => 'eu-west-1', url => "$base/shared/readme.txt");
is($r->{status}, 400, 'wrong region: 400');
like($r->{body}, qr{<Code>AuthorizationHeaderMalformed</Code>}, 'wrong region: AuthorizationHeaderMalformed');

# a hand-built header with a stale date
$r = curl('-H', 'x-amz-date: 20200101T000000Z', '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
          '-H', 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEALICE0001/20200101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' . ('0' x 64),
          "$base/shared/readme.txt");
like($r->{body}, qr{<Code>RequestTimeTooSkewed</Code>}, 'stale X-Amz-Date: RequestTimeTooSkewed');

# botocore: header-signed and presigned
$r = curl(sign_headers(%alice, url => "$base/shared/readme.txt"), "$base/shared/readme.txt");
is($r->{status}, 200, 'botocore S3SigV4Auth: allowed');

my $url = presign(%alice, url => "$base/shared/readme.txt", expires => 60);
like($url, qr/X-Amz-Signature=/, 'botocore presigned a URL');
$r = http($url);
is($r->{status}, 200, 'presigned URL: allowed');

($url = $url) =~ s/X-Amz-Signature=([0-9a-f])/'X-Amz-Signature=' . ($1 eq '0' ? '1' : '0')/e;
$r = http($url);
like($r->{body}, qr{<Code>SignatureDoesNotMatch</Code>}, 'tampered presigned URL refused');

# an expired presigned URL: X-Amz-Date two hours ago, expires in 60 s
my $old = `date -u -d '2 hours ago' +%Y%m%dT%H%M%SZ`;
chomp $old;
$url = presign(%alice, url => "$base/shared/readme.txt", expires => 60);
$url =~ s/X-Amz-Date=\d{8}T\d{6}Z/X-Amz-Date=$old/;
$r = http($url);
is($r->{status}, 403, 'expired presigned URL: 403');
like($r->{body}, qr{<Code>AccessDenied</Code>.*expired}s, 'expired presigned URL: Request has expired');

like(error_log($t), qr/SignatureDoesNotMatch/, 'error.log names the refusal');
check_error_log($t);

done_testing();
