#!/usr/bin/perl

# The bad-input catalogue, SigV4: every malformed or out-of-range part of
# an Authorization header or a presigned URL, one case each, with S3's
# status and error code, and one error.log line: [info] for what is malformed
# (a client's bad request is not a server's problem), [error] once a known
# access key fails a check (as auth_basic logs a wrong password), nothing at
# [alert]/[crit].

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Test::IamNginx qw(json_encode);
use Test::IamSigV4 qw(sign_headers presign_url amz_date);
use Test::IamBad qw(refused raw_request);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $KEY    = 'AKIAEXAMPLEALICE0001';
my $SECRET = 'aliceSecretKey/EXAMPLE+0001abcdefghijklm';

$t->write_file('account.json', json_encode({
    account  => '123456789012',
    policies => {
        Read => { Version => '2012-10-17', Statement => [
            { Effect => 'Allow', Action => 's3:GetObject',
              Resource => 'arn:aws:s3:::bucket/*' } ] },
    },
    users => {
        alice => { policies => [ 'Read' ],
                   access_keys => [ { id => $KEY, secret => $SECRET } ] },
    },
}));

$t->write_file('s3/bucket/a.txt', "object data\n");

$t->write_config(<<'EOF');
    iam_account %%DIR%%/account.json;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;
        # room for an Authorization past the module's own 8 kB limit
        large_client_header_buffers 4 16k;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }
EOF

$t->run;

my $URL = $t->url('/bucket/a.txt');

my %base = (method => 'GET', url => $URL, region => 'us-east-1',
            service => 's3', key => $KEY, secret => $SECRET);


# the signed request works: every case below breaks one thing of it
my %good = sign_headers(%base);
my $r = $t->curl($URL, headers => [ map { "$_: $good{$_}" } keys %good ]);
is($r->{status}, 200, 'a well-signed request passes');


# One case: headers (a hash) or a URL, and what must come back.
sub case {
    my ($name, %c) = @_;

    my $mark = $t->log_mark;
    my $h = $c{headers};
    my $r = $t->curl($c{url} // $URL,
                     headers => [ map { "$_: $h->{$_}" }
                                  sort keys %{ $h // {} } ]);

    refused($t, $name, $r, $mark, status => $c{status}, code => $c{code},
            level => $c{level} // 'info', log => $c{log});
}

# headers signed as %base, with Authorization rewritten by $edit
sub auth_edit {
    my ($edit, %more) = @_;

    my %h = sign_headers(%base, %more);
    local $_ = $h{Authorization};
    $edit->();
    $h{Authorization} = $_;

    return \%h;
}

my $now = time;


# Authorization parts

case('no Credential',
     headers => auth_edit(sub { s/Credential=[^,]*, // }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('no SignedHeaders',
     headers => auth_edit(sub { s/SignedHeaders=[^,]*, // }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('no Signature',
     headers => auth_edit(sub { s/, Signature=\w+// }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('Credential given twice',
     headers => auth_edit(sub { s/(Credential=[^,]*, )/$1$1/ }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('garbled parts',
     headers => auth_edit(sub { $_ = 'AWS4-HMAC-SHA256 Credential' }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('unknown algorithm',
     headers => auth_edit(sub { s/^AWS4-HMAC-SHA256/AWS4-HMAC-SHA512/ }),
     status => 400, code => 'AuthorizationHeaderMalformed',
     log => qr/algorithm must be AWS4-HMAC-SHA256/);


# credential scope

case('scope date not the X-Amz-Date day',
     headers => auth_edit(sub { s{/(\d{8})/}{/20200101/} }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('scope region wrong',
     headers => scalar sign_headers(%base, scope_region => 'eu-west-1'),
     status => 400, code => 'AuthorizationHeaderMalformed',
     log => qr/region is wrong/);

case('scope service wrong',
     headers => scalar sign_headers(%base, scope_service => 'ec2'),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('scope terminator wrong',
     headers => auth_edit(sub { s{/aws4_request}{/aws4_reqest} }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('scope with a part missing',
     headers => auth_edit(sub { s{/us-east-1/}{/} }),
     status => 400, code => 'AuthorizationHeaderMalformed');


# SignedHeaders

case('SignedHeaders without host',
     headers => scalar sign_headers(%base,
                    signed => [ 'x-amz-content-sha256', 'x-amz-date' ]),
     status => 403, code => 'SignatureDoesNotMatch',
     level => 'error');

case('an x-amz-* header sent but not signed',
     headers => { %{ sign_headers(%base) }, 'x-amz-meta-color' => 'red' },
     status => 403, code => 'AccessDenied',
     level => 'error');

case('SignedHeaders unsorted',
     headers => scalar sign_headers(%base,
                    signed => [ 'x-amz-date', 'host',
                                'x-amz-content-sha256' ]),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('SignedHeaders with a duplicate',
     headers => scalar sign_headers(%base,
                    signed => [ 'host', 'host', 'x-amz-content-sha256',
                                'x-amz-date' ]),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('a signed header that was not sent',
     headers => scalar sign_headers(%base,
                    signed => [ 'host', 'x-amz-content-sha256',
                                'x-amz-date', 'x-amz-meta-absent' ]),
     status => 403, code => 'SignatureDoesNotMatch',
     level => 'error');


# Signature

case('signature not hex',
     headers => auth_edit(sub { s/Signature=\w{4}/Signature=zzzz/ }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('signature short',
     headers => auth_edit(sub { s/(Signature=\w{32})\w+/$1/ }),
     status => 400, code => 'AuthorizationHeaderMalformed');

case('signature one digit off',
     headers => auth_edit(sub {
         s/Signature=(\w)/'Signature=' . ($1 eq 'a' ? 'b' : 'a')/e }),
     status => 403, code => 'SignatureDoesNotMatch',
     level => 'error');


# X-Amz-Date

case('X-Amz-Date malformed',
     headers => do { my %h = sign_headers(%base);
                     $h{'X-Amz-Date'} =~ s/T\d\d/T99/; \%h },
     status => 403, code => 'AccessDenied');

case('X-Amz-Date missing',
     headers => do { my %h = sign_headers(%base,
                         signed => [ 'host', 'x-amz-content-sha256' ]);
                     delete $h{'X-Amz-Date'}; \%h },
     status => 403, code => 'AccessDenied');

case('X-Amz-Date an hour in the future',
     headers => scalar sign_headers(%base, time => $now + 3600),
     status => 403, code => 'RequestTimeTooSkewed',
     level => 'error');

case('X-Amz-Date an hour in the past',
     headers => scalar sign_headers(%base, time => $now - 3600),
     status => 403, code => 'RequestTimeTooSkewed',
     level => 'error');


# presigned URLs

case('X-Amz-Expires 0',
     url => presign_url(%base, expires => 0),
     status => 400, code => 'AuthorizationQueryParametersError');

case('X-Amz-Expires 604801',
     url => presign_url(%base, expires => 604801),
     status => 400, code => 'AuthorizationQueryParametersError');

case('X-Amz-Expires not a number',
     url => presign_url(%base, expires => '60s'),
     status => 400, code => 'AuthorizationQueryParametersError');

case('presigned URL expired',
     url => presign_url(%base, time => $now - 120, expires => 60),
     status => 403, code => 'AccessDenied',
     level => 'error');

case('presigned URL without X-Amz-Signature',
     url => do { (my $u = presign_url(%base)) =~ s/&X-Amz-Signature=\w+//;
                 $u },
     status => 400, code => 'AuthorizationQueryParametersError');

case('header and query credentials both',
     url => presign_url(%base),
     headers => scalar sign_headers(%base),
     status => 400, code => 'InvalidArgument');


# tokens (not a session token of this gateway: S3's 400) and sizes

case('a security token with a long-term key',
     headers => scalar sign_headers(%base, headers =>
                    { 'X-Amz-Security-Token' => 'FwoGZXIvYXdzEXAMPLE' }),
     status => 400, code => 'InvalidToken',
     level => 'error');

case('Authorization of 7 kB naming a header not sent',
     headers => auth_edit(sub {
         s/SignedHeaders=/'SignedHeaders=' . ('x' x 7000) . ';'/e }),
     status => 403, code => 'SignatureDoesNotMatch', level => 'error');

case('Authorization of 9 kB',
     headers => auth_edit(sub {
         s/SignedHeaders=/'SignedHeaders=' . ('x' x 9000) . ';'/e }),
     status => 400, code => 'RequestHeaderSectionTooLarge');

{
    # past nginx's own header buffer: nginx answers before the module runs
    my $mark = $t->log_mark;
    my $r = $t->curl($URL, headers => [ 'Authorization: AWS4-HMAC-SHA256 '
                                        . ('x' x 20000) ]);
    is($r->{status}, 400, 'Authorization of 20 kB: nginx answers 400');
    my @bad = grep { /\[(alert|crit)\]/ } split /\n/,
              $t->error_log_since($mark);
    ok(!@bad, 'Authorization of 20 kB: no [alert] or [crit]');
}

$t->done;
