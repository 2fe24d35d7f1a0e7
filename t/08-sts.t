#!/usr/bin/perl
# Temporary credentials end to end: the real AWS CLI talks to the STS
# endpoint (get-caller-identity, assume-role with and without ExternalId,
# a session policy, tags, MFA codes computed here, get-session-token, role
# chaining, a trusted account), then uses what it got through an S3
# gateway with `aws s3`, curl --aws-sigv4 and a botocore presigned URL.
# Tampered, truncated and foreign tokens are refused with AWS's codes; a
# second nginx, whose clock runs 20 minutes ahead (libfaketime), holds the
# same keys after a rotation: it accepts the credentials, sees a
# 900-second session as expired, and issues tokens the first cannot open.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use Digest::SHA qw(hmac_sha1);
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

sub has { my ($cmd) = @_; return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} }

plan skip_all => 'the AWS CLI (aws) is not on PATH' unless has('aws');
plan skip_all => "libfaketime is not installed ($FAKETIME)" unless -f $FAKETIME;

my $data = "$FindBin::Bin/data/sts";

# --- configuration errors: nginx -t says what and where -----------------

sub sts_conf {
    my ($keys, $with_file) = @_;
    return nginx_test_config(files => {
        'account.json' => read_file("$data/account.json"),
        'partner.json' => read_file("$data/partner.json"),
        'alice.seed' => read_file("$data/alice.seed"),
        defined $keys ? ('sts.keys' => $keys) : (),
    }, http => "    iam_account \@DIR\@/account.json;\n"
              . ($with_file ? "    iam_sts_key_file \@DIR\@/sts.keys;\n" : '')
              . "    server { listen 127.0.0.1:@{[ free_port() ]};\n"
              . "             location /sts/ { iam_sts on; } }\n");
}

my ($crc, $cout) = sts_conf(undef, 0);
isnt($crc, 0, 'nginx -t: iam_sts on without iam_sts_key_file fails');
like($cout, qr/"iam_sts on" requires "iam_account" and "iam_sts_key_file"/,
     'and says what is missing') or diag($cout);

($crc, $cout) = sts_conf("# keys\n" . ('ab' x 31) . "zz\n", 1);
isnt($crc, 0, 'nginx -t: a key with a bad character fails');
like($cout, qr{sts\.keys:2:63: not a hexadecimal character}, 'at its line and column')
    or diag($cout);

($crc, $cout) = sts_conf("abcd\n", 1);
like($cout, qr{sts\.keys:1:1: a key is 64 hexadecimal characters, not 4},
     'nginx -t: a short key') or diag($cout);

($crc, $cout) = sts_conf(('0f' x 32) . "\n", 1);
is($crc, 0, 'nginx -t: a good key file passes') or diag($cout);

my ($port, $store, $port2) = (free_port(), free_port(), free_port());
my $key_a = lc `openssl rand -hex 32`;
my $key_b = lc `openssl rand -hex 32`;
chomp($key_a, $key_b);

my %files = (
    'account.json' => read_file("$data/account.json"),
    'partner.json' => read_file("$data/partner.json"),
    'alice.seed'   => read_file("$data/alice.seed"),
);

sub gateway {
    my ($listen, $skew) = @_;
    my $s = $skew ? " skew=$skew" : '';
    return <<"HTTP";
    server {
        listen 127.0.0.1:$listen;
        location /sts/ {
            iam_sts on;
            iam_sigv4 region=us-east-1 service=sts$s;
        }
        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3$s;
            proxy_pass http://127.0.0.1:$store;
        }
    }
HTTP
}

my $t = nginx_start(ports => [$port, $store], files => {
    %files,
    'sts.keys' => "$key_a\n",
    'store/reports/q1.txt' => "quarterly\n",
    'store/reports/uploads/.keep' => '',
}, http => "    iam_account \@DIR\@/account.json;\n"
          . "    iam_sts_key_file \@DIR\@/sts.keys;\n" . gateway($port) . <<"HTTP");
    server {
        listen 127.0.0.1:$store;
        access_log off;
        root \@DIR\@/store;
        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
        }
    }
HTTP

my $dir = $t->{dir};
system('chmod', '-R', 'a+rwX', "$dir/store");

write_file("$dir/aws-config", "[default]\nregion = us-east-1\ns3 =\n"
           . "    addressing_style = path\n");
$ENV{AWS_CONFIG_FILE} = "$dir/aws-config";
$ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
$ENV{AWS_EC2_METADATA_DISABLED} = 'true';
$ENV{AWS_PAGER} = '';
delete $ENV{$_} for qw(AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
                       AWS_SESSION_TOKEN AWS_DEFAULT_REGION);

my %alice = (key => 'AKIAEXAMPLEALICE0001', secret => 'alice-secret');
my %bob = (key => 'AKIAEXAMPLEBOB000001', secret => 'bob-secret');
my %carol = (key => 'AKIAEXAMPLECAROL0001', secret => 'carol-secret');
my %dave = (key => 'AKIAEXAMPLEDAVE00001', secret => 'dave-secret');

sub shq { my ($s) = @_; $s =~ s/'/'\\''/g; return "'$s'" }

# aws(CREDS, PORT-or-undef, ARGS...) -> (exit status, output, decoded JSON)
sub aws {
    my ($c, $p, @args) = @_;
    $p //= $port;
    local $ENV{AWS_ACCESS_KEY_ID} = $c->{key};
    local $ENV{AWS_SECRET_ACCESS_KEY} = $c->{secret};
    local $ENV{AWS_SESSION_TOKEN} = $c->{token} if $c->{token};
    my $endpoint = $args[0] eq 'sts' ? "http://127.0.0.1:$p/sts/"
                                     : "http://127.0.0.1:$p";
    my $cmd = join ' ', 'aws', '--endpoint-url', $endpoint, '--output',
                        'json', map { shq($_) } @args;
    my $out = `$cmd 2>&1`;
    my $status = $? >> 8;
    my $json = $status == 0 ? eval { decode_json($out) } : undef;
    return ($status, $out, $json);
}

# the credentials of an assume-role or get-session-token answer
sub creds {
    my ($json) = @_;
    my $c = $json && $json->{Credentials} or return {};
    return { key => $c->{AccessKeyId}, secret => $c->{SecretAccessKey},
             token => $c->{SessionToken}, expiration => $c->{Expiration} };
}

sub assume {
    my ($c, $role, $name, @more) = @_;
    return aws($c, undef, 'sts', 'assume-role', '--role-arn',
               "arn:aws:iam::123456789012:role/$role",
               '--role-session-name', $name, @more);
}

# RFC 6238 with the RFC's seed (alice.seed is it in base32)
sub totp {
    my ($step) = @_;
    my $h = hmac_sha1(pack('NN', int($step / 2**32), $step % 2**32),
                      '12345678901234567890');
    my $o = ord(substr($h, 19, 1)) & 0xf;
    return sprintf '%06d', (unpack('N', substr($h, $o, 4)) & 0x7fffffff)
                           % 1000000;
}

sub s3_get {
    my ($c, $path, $p) = @_;
    return curl_sigv4(key => $c->{key}, secret => $c->{secret},
                      args => [ '-H', "x-amz-security-token: $c->{token}" ],
                      url => "http://127.0.0.1:" . ($p // $port) . $path);
}

sub epoch {
    my ($iso) = @_;
    my @t = $iso =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/ or return 0;
    require Time::Local;
    return Time::Local::timegm($t[5], $t[4], $t[3], $t[2], $t[1] - 1, $t[0]);
}

# --- who am I, with long-term keys -------------------------------------

my ($rc, $out, $json) = aws(\%alice, undef, 'sts', 'get-caller-identity');
is($rc, 0, 'aws sts get-caller-identity as alice') or diag($out);
is($json->{Arn}, 'arn:aws:iam::123456789012:user/alice', 'her user ARN');
is($json->{Account}, '123456789012', 'her account');
like($json->{UserId} // '', qr/^AIDA[A-Z2-7]{17}$/, 'her user id');

my $r = curl('-X', 'POST', '-d', 'Action=GetCallerIdentity&Version=2011-06-15',
             "http://127.0.0.1:$port/sts/");
is($r->{status}, 403, 'an unsigned call is refused');
like($r->{body}, qr{^<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>},
     'with an STS error document');
is($r->{headers}{'content-type'}, 'text/xml', 'as text/xml');

$r = curl_sigv4(%alice, service => 'sts', method => 'POST',
                args => [ '-d', 'Action=GetCallerIdentity&Version=2011-06-15' ],
                url => "http://127.0.0.1:$port/sts/");
is($r->{status}, 200, 'curl --aws-sigv4 signs a form POST to STS');
like($r->{body}, qr{<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>},
     'and gets the caller identity');

$r = curl_sigv4(%alice, service => 'sts',
                url => "http://127.0.0.1:$port/sts/?Action=GetCallerIdentity&Version=2011-06-15");
like($r->{status} . $r->{body}, qr{^200.*<Account>123456789012</Account>}s,
     'GET with the query works too');

$r = curl_sigv4(%alice, service => 'sts', method => 'POST',
                args => [ '-d', 'Action=Nope&Version=2011-06-15' ],
                url => "http://127.0.0.1:$port/sts/");
like($r->{status} . $r->{body}, qr{^400.*<Code>InvalidAction</Code>}s,
     'an unknown Action: 400 InvalidAction');

($rc, $out) = aws({ key => 'AKIAEXAMPLENOBODY001', secret => 'x' }, undef,
                  'sts', 'get-caller-identity');
like($out, qr/InvalidClientTokenId/, 'an unknown access key: InvalidClientTokenId');

($rc, $out) = aws({ %alice, secret => 'wrong' }, undef, 'sts',
                  'get-caller-identity');
like($out, qr/SignatureDoesNotMatch/, 'a wrong secret: SignatureDoesNotMatch');

# --- AssumeRole ---------------------------------------------------------

my $before = time;
($rc, $out, $json) = assume(\%alice, 'reader', 's1');
is($rc, 0, 'alice assumes reader') or diag($out);
my $s1 = creds($json);
like($s1->{key} // '', qr/^ASIA[A-Z2-7]{16}$/, 'an ASIA access key id');
is(length($s1->{secret} // ''), 40, 'a 40-character secret');
ok(length($s1->{token} // '') > 0 && length($s1->{token}) < 600,
   'a compact session token (' . length($s1->{token} // '') . ' chars)');
my $exp = epoch($s1->{expiration} // '');
ok($exp >= $before + 3600 && $exp <= time + 3600, 'expires in an hour by default');
is($json->{AssumedRoleUser}{Arn}, 'arn:aws:sts::123456789012:assumed-role/reader/s1',
   'the assumed-role ARN');
like($json->{AssumedRoleUser}{AssumedRoleId} // '', qr/^AROA[A-Z2-7]{17}:s1$/,
     'the assumed-role id');

($rc, $out, $json) = aws($s1, undef, 'sts', 'get-caller-identity');
is($json->{Arn}, 'arn:aws:sts::123456789012:assumed-role/reader/s1',
   'get-caller-identity with the temporary credentials') or diag($out);

($rc, $out) = aws($s1, undef, 's3', 'cp', 's3://reports/q1.txt', '-');
is($out, "quarterly\n", 'aws s3 cp with them (the role allows GetObject)');

write_file("$dir/up.txt", "uploaded by a session\n");
($rc, $out) = aws($s1, undef, 's3', 'cp', "$dir/up.txt", 's3://reports/uploads/up.txt');
is($rc, 0, 'aws s3 cp upload into uploads/') or diag($out);
is(read_file("$dir/store/reports/uploads/up.txt"), "uploaded by a session\n",
   'the store has it');

($rc, $out) = aws($s1, undef, 's3', 'cp', "$dir/up.txt", 's3://reports/other.txt');
like($out, qr/AccessDenied/, 'an upload the role does not allow is refused');
ok(!-e "$dir/store/reports/other.txt", 'and never reaches the store');

$r = s3_get($s1, '/reports/q1.txt');
is($r->{status} . ' ' . $r->{body}, "200 quarterly\n",
   'curl --aws-sigv4 with X-Amz-Security-Token');

my $url = `python3 -c 'import sys
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method="GET", url=sys.argv[1])
S3SigV4QueryAuth(Credentials(*sys.argv[2:5]), "s3", "us-east-1", expires=60).add_auth(req)
print(req.url)' http://127.0.0.1:$port/reports/q1.txt $s1->{key} $s1->{secret} $s1->{token}`;
chomp $url;
like($url, qr/X-Amz-Security-Token=/, 'botocore presigns with the token');
$r = http($url);
is($r->{status} . ' ' . $r->{body}, "200 quarterly\n", 'the presigned URL works');

# tampered, truncated, someone else's access key id
my $mark = length error_log($t);
my $tok = $s1->{token};
my $mid = int(length($tok) / 2);
(my $tampered = $tok) =~ s/^(.{$mid})(.)/$1 . ($2 eq 'A' ? 'B' : 'A')/e;
$r = s3_get({ %$s1, token => $tampered }, '/reports/q1.txt');
like($r->{status} . $r->{body}, qr{^400.*<Code>InvalidToken</Code><Message>The provided token is malformed or otherwise invalid.</Message>}s,
     'a tampered token: 400 InvalidToken');
like(error_log_since($t, $mark), qr/\[error\].*iam: InvalidToken: access key "$s1->{key}": token authentication failed \(tampered\)/,
     'the error log says it was tampered with');

$mark = length error_log($t);
$r = s3_get({ %$s1, token => substr($tok, 0, length($tok) - 8) }, '/reports/q1.txt');
like($r->{status} . $r->{body}, qr{^400.*<Code>InvalidToken</Code>}s,
     'a truncated token: 400 InvalidToken');
like(error_log_since($t, $mark), qr/iam: InvalidToken: .*token truncated/,
     'the error log says truncated');

($rc, $out, $json) = assume(\%alice, 'reader', 's2');
my $s2 = creds($json);
$r = s3_get({ %$s1, key => $s2->{key} }, '/reports/q1.txt');
like($r->{status} . $r->{body}, qr{^403.*<Code>InvalidAccessKeyId</Code>}s,
     "another session's access key id with this token: 403");

$r = curl_sigv4(key => $s1->{key}, secret => $s1->{secret},
                url => "http://127.0.0.1:$port/reports/q1.txt");
like($r->{status} . $r->{body}, qr{^403.*<Code>InvalidAccessKeyId</Code>}s,
     'temporary credentials without their token: 403 InvalidAccessKeyId');

# --- session policy, tags, refusals --------------------------------------

($rc, $out, $json) = assume(\%alice, 'reader', 'narrow', '--policy',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    . '"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}');
is($rc, 0, 'assume-role with a session policy') or diag($out);
ok($json->{PackedPolicySize} > 0, 'PackedPolicySize is reported');
my $narrow = creds($json);
($rc, $out) = aws($narrow, undef, 's3', 'cp', 's3://reports/q1.txt', '-');
is($out, "quarterly\n", 'what both the role and the session policy allow');
($rc, $out) = aws($narrow, undef, 's3', 'ls', 's3://reports/');
like($out, qr/AccessDenied/, 'ListBucket: the role allows it, the session policy does not');

($rc, $out) = assume(\%alice, 'reader', 'bad', '--policy', '{"Version":"2012-10-17","Statement":[{"Effect":"Alow"}]}');
like($out, qr/MalformedPolicyDocument/, 'an invalid session policy: MalformedPolicyDocument');

($rc, $out) = assume(\%alice, 'reader', 'tagged', '--tags', 'Key=project,Value=blue',
                     '--transitive-tag-keys', 'project');
is($rc, 0, 'session tags where the trust policy allows sts:TagSession') or diag($out);

($rc, $out, $json) = assume(\%alice, 'reader', 'src', '--source-identity', 'alice-laptop');
is($rc, 0, 'a source identity where the trust policy allows sts:SetSourceIdentity') or diag($out);
is($json->{SourceIdentity}, 'alice-laptop', 'and the answer names it');

($rc, $out) = assume(\%alice, 'reader', 'x' x 65);
like($out, qr/ValidationError/, 'a 65-character session name: ValidationError');

($rc, $out) = assume(\%alice, 'reader', 'long', '--duration-seconds', '7200');
is($rc, 0, "DurationSeconds up to the role's max_session_seconds") or diag($out);
($rc, $out) = assume(\%alice, 'reader', 'long', '--duration-seconds', '7201');
like($out, qr/ValidationError.*exceeds the MaxSessionDuration/s, 'beyond it: ValidationError');

($rc, $out) = assume(\%bob, 'reader', 'b1');
like($out, qr/AccessDenied.*User: arn:aws:iam::123456789012:user\/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/reader/s,
     'bob is not in the trust policy: AccessDenied, as AWS words it');

($rc, $out) = assume(\%alice, 'nope', 'n1');
like($out, qr/AccessDenied/, 'a role that does not exist: AccessDenied');

# --- role chaining --------------------------------------------------------

($rc, $out, $json) = assume($s1, 'reader', 'chained');
is($rc, 0, 'a role session assumes a role (chaining)') or diag($out);
my $chained = creds($json);
is($json->{AssumedRoleUser}{Arn}, 'arn:aws:sts::123456789012:assumed-role/reader/chained',
   'the chained session');
$r = s3_get($chained, '/reports/q1.txt');
is($r->{status}, 200, 'chained credentials work');
($rc, $out) = assume($s1, 'reader', 'chained', '--duration-seconds', '7200');
like($out, qr/1 hour session limit for roles assumed by role chaining/,
     'role chaining is limited to one hour');

# --- across accounts: ExternalId ----------------------------------------

($rc, $out, $json) = aws(\%carol, undef, 'sts', 'get-caller-identity');
is($json->{Arn}, 'arn:aws:iam::210987654321:user/carol',
   'a trusted account\'s user is recognised') or diag($out);

($rc, $out, $json) = assume(\%carol, 'partner', 'c1', '--external-id', 'ext-42');
is($rc, 0, 'carol (another account) assumes partner with the ExternalId') or diag($out);
my $c1 = creds($json);
$r = s3_get($c1, '/reports/q1.txt');
is($r->{status}, 200, 'and reads with the credentials');

($rc, $out) = assume(\%carol, 'partner', 'c2');
like($out, qr/AccessDenied/, 'without the ExternalId: AccessDenied');
($rc, $out) = assume(\%carol, 'partner', 'c3', '--external-id', 'ext-43');
like($out, qr/AccessDenied/, 'with a wrong ExternalId: AccessDenied');
($rc, $out) = assume(\%dave, 'partner', 'd1', '--external-id', 'ext-42');
like($out, qr/AccessDenied.*210987654321:user\/dave/s,
     'dave, whose own policies do not allow it: AccessDenied (both sides must allow)');
($rc, $out) = assume(\%carol, 'partner', 'c4', '--external-id', 'ext-42',
                     '--tags', 'Key=a,Value=b');
like($out, qr/not authorized to perform: sts:TagSession/,
     'tags where the trust policy does not allow sts:TagSession');
($rc, $out) = assume(\%carol, 'partner', 'c5', '--external-id', 'ext-42',
                     '--source-identity', 'carol');
like($out, qr/not authorized to perform: sts:SetSourceIdentity/,
     'a source identity where the trust policy does not allow sts:SetSourceIdentity');

# --- MFA -----------------------------------------------------------------

my $serial = 'arn:aws:iam::123456789012:mfa/alice';
($rc, $out) = assume(\%alice, 'mfa-only', 'm0');
like($out, qr/AccessDenied/, 'a role that needs MFA, without it: AccessDenied');

my $step = int(time / 30);
($rc, $out, $json) = assume(\%alice, 'mfa-only', 'm1', '--serial-number', $serial,
                            '--token-code', totp($step));
is($rc, 0, 'with a TOTP code computed here: allowed') or diag($out);
($rc, $out) = assume(\%alice, 'mfa-only', 'm2', '--serial-number', $serial,
                     '--token-code', totp($step));
like($out, qr/AccessDenied.*invalid MFA one time pass code/s,
     'the same code a second time: refused');
($rc, $out) = assume(\%alice, 'mfa-only', 'm3', '--serial-number', $serial,
                     '--token-code', totp($step + 5));
like($out, qr/AccessDenied.*invalid MFA/s, 'a code of another time: refused');
($rc, $out) = assume(\%bob, 'reader', 'b2', '--serial-number', $serial,
                     '--token-code', totp($step + 1));
like($out, qr/AccessDenied.*unable to validate MFA code.*associated with this user/s,
     "someone else's MFA device: refused");

($rc, $out, $json) = aws(\%alice, undef, 'sts', 'get-session-token',
                         '--serial-number', $serial, '--token-code', totp($step + 1));
is($rc, 0, 'get-session-token with MFA') or diag($out);
my $gst = creds($json);
$exp = epoch($gst->{expiration} // '');
ok($exp >= $before + 43200 && $exp <= time + 43200, 'twelve hours by default');
($rc, $out, $json) = aws($gst, undef, 'sts', 'get-caller-identity');
is($json->{Arn}, 'arn:aws:iam::123456789012:user/alice', 'a session token is the user herself');
($rc, $out) = assume($gst, 'mfa-only', 'm4');
is($rc, 0, 'its MFA carries to assume-role without a new code') or diag($out);
($rc, $out) = aws($gst, undef, 'sts', 'get-session-token');
like($out, qr/AccessDenied.*session credentials/s,
     'get-session-token with session credentials: AccessDenied');

check_error_log($t, 'first nginx');

# --- a second nginx: same keys after a rotation, clock 20 minutes ahead ---

($rc, $out, $json) = assume(\%alice, 'reader', 'short', '--duration-seconds', '900');
is($rc, 0, 'a 900-second session') or diag($out);
my $short = creds($json);

my $t2;
{
    local $ENV{LD_PRELOAD} = $FAKETIME;
    local $ENV{FAKETIME} = '+20m';
    # libfaketime reads FAKETIME again when its cache expires, and the
    # workers run without it: keep the first reading
    local $ENV{FAKETIME_CACHE_DURATION} = '86400';
    $t2 = nginx_start(ports => [$port2], files => {
        %files,
        'sts.keys' => "# rotated: a new key seals, the old one still opens\n"
                      . "$key_b\n$key_a\n",
    }, http => "    iam_account \@DIR\@/account.json;\n"
              . "    iam_sts_key_file \@DIR\@/sts.keys;\n"
              . gateway($port2, '1h'));
}
ok(!$t2->{failed}, 'the second nginx starts');

# the second gateway proxies to the first one's store
$r = s3_get($s1, '/reports/q1.txt', $port2);
is($r->{status} . ' ' . $r->{body}, "200 quarterly\n",
   'the second nginx accepts credentials the first issued');

$mark = length error_log($t2);
$r = s3_get($short, '/reports/q1.txt', $port2);
like($r->{status} . $r->{body}, qr{^400.*<Code>ExpiredToken</Code><Message>The provided token has expired.</Message>}s,
     'twenty minutes later a 900-second session has expired: 400 ExpiredToken');
like(error_log_since($t2, $mark), qr/iam: ExpiredToken: .*token expired/,
     'the error log says expired');

($rc, $out) = aws($short, $port2, 'sts', 'get-caller-identity');
like($out, qr/ExpiredToken/, 'STS says ExpiredToken too');

($rc, $out, $json) = aws(\%alice, $port2, 'sts', 'assume-role', '--role-arn',
                         'arn:aws:iam::123456789012:role/reader',
                         '--role-session-name', 'from-b');
is($rc, 0, 'the second nginx issues credentials under its new key') or diag($out);
my $from_b = creds($json);
$mark = length error_log($t);
$r = s3_get($from_b, '/reports/q1.txt');
like($r->{status} . $r->{body}, qr{^400.*<Code>InvalidToken</Code>}s,
     'the first nginx, without that key, refuses them');
like(error_log_since($t, $mark), qr/token sealed under a key not in iam_sts_key_file/,
     'the error log says the key is not in its file');
$r = s3_get($from_b, '/reports/q1.txt', $port2);
is($r->{status}, 200, 'while the second accepts them');

check_error_log($t, 'first nginx, at the end');
check_error_log($t2, 'second nginx');

done_testing();
