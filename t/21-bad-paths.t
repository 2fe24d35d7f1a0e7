#!/usr/bin/perl

# The bad-input catalogue, paths and hosts: encoded slashes and dots, double
# slashes, dot segments, broken percent-encoding, UTF-8 and very long keys,
# $uri against $request_uri, Host tricks for virtual-hosted buckets and no
# Host at all.  What is authorized must be what is served: a key under
# secret/ is denied, so no request may get the secret object's bytes.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Test::IamNginx qw(json_encode);
use Test::IamSigV4 qw(sign_headers);
use Test::IamBad qw(refused raw_request);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $KEY    = 'AKIAEXAMPLEALICE0001';
my $SECRET = 'aliceSecretKey/EXAMPLE+0001abcdefghijklm';

$t->write_file('account.json', json_encode({
    account  => '123456789012',
    policies => {
        ReadButSecret => { Version => '2012-10-17', Statement => [
            { Sid => 'Read', Effect => 'Allow', Action => 's3:GetObject',
              Resource => 'arn:aws:s3:::bucket/*' },
            { Sid => 'NoSecret', Effect => 'Deny', Action => 's3:*',
              Resource => [ 'arn:aws:s3:::bucket/secret/*',
                            'arn:aws:s3:::secret/*' ] } ] },
        Orders => { Version => '2012-10-17', Statement => [
            { Effect => 'Allow', Action => 'orders:Get',
              Resource => 'arn:app:orders:::/orders/public/*' } ] },
    },
    users => {
        alice => { policies => [ 'ReadButSecret', 'Orders' ],
                   access_keys => [ { id => $KEY, secret => $SECRET } ] },
    },
}));

$t->write_file('s3/bucket/public/a.txt', "public data\n");
$t->write_file('s3/bucket/secret/x.txt', "TOP SECRET\n");
$t->write_file("s3/bucket/\xC3\xA9t\xC3\xA9.txt", "utf8\n");
$t->write_file('s3/secret/x.txt', "TOP SECRET\n");
$t->write_file('orders/public/1', "order 1\n");
$t->write_file('orders/secret/1', "TOP SECRET\n");

$t->write_config(<<'EOF');
    iam_account %%DIR%%/account.json;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3 virtual_host_base=s3.example.com;
        }

        # a custom rule over the decoded, merged $uri
        location /orders/ {
            root %%DIR%%;
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=orders;
            iam_action GET orders:Get;
            iam_resource "arn:app:orders:::$uri";
        }
    }
EOF

$t->run;

my $PORT = $t->port;

sub get {
    my ($path, %o) = @_;

    my $host = $o{host} // "127.0.0.1:$PORT";

    if ($o{curl}) {
        # curl signs the path as sent, as S3 wants it; the signer of
        # Test::IamSigV4 decodes it first
        return $t->curl("http://127.0.0.1:$PORT$path",
                        sigv4 => 'aws:amz:us-east-1:' . ($o{service} // 's3'),
                        user => "$KEY:$SECRET", headers => [ "Host: $host" ]);
    }

    # sign_path: the path as the service normalizes it before signing
    my %h = sign_headers(method => 'GET',
                         url => "http://$host" . ($o{sign_path} // $path),
                         region => 'us-east-1', service => $o{service} // 's3',
                         key => $KEY, secret => $SECRET);

    return $t->curl("http://127.0.0.1:$PORT$path",
                    headers => [ "Host: $host",
                                 map { "$_: $h{$_}" } sort keys %h ]);
}

sub case {
    my ($name, $path, %c) = @_;

    my $mark = $t->log_mark;
    my $r = get($path, %c);

    refused($t, $name, $r, $mark, status => $c{status}, code => $c{code},
            level => $c{level} // 'info', log => $c{log},
            by_nginx => $c{by_nginx});
    unlike($r->{body}, qr/TOP SECRET/, "$name: no secret bytes");
}

sub served {
    my ($name, $path, $body, %o) = @_;

    my $r = get($path, %o);
    is($r->{status}, 200, "$name: 200");
    is($r->{body}, $body, "$name: the object");
}


served('plain key', '/bucket/public/a.txt', "public data\n");
case('the secret key itself', '/bucket/secret/x.txt',
     status => 403, code => 'AccessDenied', level => 'error');


# encoded slashes and dots

case('%2F in the key', '/bucket/secret%2Fx.txt',
     status => 403, code => 'AccessDenied', level => 'error',
     curl => 1);
case('%2f lowercase', '/bucket/secret%2fx.txt',
     status => 403, code => 'AccessDenied', level => 'error',
     curl => 1);
case('.. segment', '/bucket/public/../secret/x.txt',
     status => 400, code => 'InvalidURI', log => qr/"\.\." segment/);
case('%2e%2e segment', '/bucket/public/%2e%2e/secret/x.txt',
     status => 400, code => 'InvalidURI', log => qr/"\.\." segment/,
     curl => 1);
case('. segment', '/bucket/./secret/x.txt',
     status => 400, code => 'InvalidURI');
case('..%2F', '/bucket/public/..%2Fsecret/x.txt',
     status => 400, code => 'InvalidURI',
     curl => 1);


# double slashes: nginx merges them before serving

case('// before the key', '/bucket//secret/x.txt',
     status => 400, code => 'InvalidURI', log => qr/empty segment/);
case('// inside the key', '/bucket/public//../secret/x.txt',
     status => 400, code => 'InvalidURI');
case('// before the bucket', '//bucket/secret/x.txt',
     status => 400, code => 'InvalidURI');


# percent-encoding and UTF-8

# nginx itself refuses these while parsing the request line
case('invalid percent-encoding', '/bucket/a%zz.txt',
     status => 400, by_nginx => 1);
case('truncated percent-encoding', '/bucket/a%2',
     status => 400, by_nginx => 1);
case('%00 in the key', '/bucket/a%00.txt',
     status => 400, by_nginx => 1);
case('invalid UTF-8 in the key', '/bucket/%C3%28.txt',
     status => 400, code => 'InvalidURI',
     curl => 1);
case('overlong UTF-8 for "/"', '/bucket/secret%C0%AFx.txt',
     status => 400, code => 'InvalidURI',
     curl => 1);
served('UTF-8 key', '/bucket/%C3%A9t%C3%A9.txt', "utf8\n");
case('key of 1025 bytes', '/bucket/' . ('k' x 1025),
     status => 400, code => 'KeyTooLongError');
{
    my $r = get('/bucket/' . ('k' x 1024));
    is($r->{status}, 404, 'key of 1024 bytes: authorized, then not found');
}
case('invalid bucket name', '/Bucket_/x',
     status => 400, code => 'InvalidBucketName');


# $uri (decoded, merged) in a custom rule

served('custom rule: plain', '/orders/public/1', "order 1\n",
       service => 'orders');
case('custom rule: %2e%2e out of public', '/orders/public/%2e%2e/secret/1',
     service => 'orders', status => 403, code => 'AccessDenied',
     level => 'error');
case('custom rule: // and ..', '/orders/public//../secret/1',
     service => 'orders', sign_path => '/orders/secret/1', status => 403, code => 'AccessDenied',
     level => 'error');


# Host

{
    # authorized as bucket "bucket"; the static root has no such path
    my $r = get('/public/a.txt', host => 'bucket.s3.example.com');
    is($r->{status}, 404, 'virtual-hosted bucket: authorized, not found');
}
case('virtual-hosted secret bucket', '/x.txt',
     host => 'secret.s3.example.com', status => 403, code => 'AccessDenied',
     level => 'error');
case('Host with a bucket and a path bucket', '/secret/x.txt',
     host => 'bucket.s3.example.com', status => 403, code => 'AccessDenied',
     level => 'error');
case('Host of uppercase letters', '/x.txt',
     host => 'SECRET.S3.EXAMPLE.COM', status => 403, code => 'AccessDenied',
     level => 'error');
case('Host with an invalid bucket', '/x.txt',
     host => 'a_b.s3.example.com', status => 400, code => 'InvalidBucketName');

{
    my $mark = $t->log_mark;
    my $r = raw_request($PORT, "GET /bucket/public/a.txt HTTP/1.0\r\n\r\n");
    refused($t, 'no Host, no credentials', $r, $mark, status => 403,
            code => 'AccessDenied', log => qr/no credentials/);
}

$t->done;
