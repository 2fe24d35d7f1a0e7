#!/usr/bin/perl

# SigV4 as S3 verifies it, driven by curl --aws-sigv4, botocore's and the AWS
# CLI's presigned URLs, and hand-built requests (t/lib/Test/IamSigV4.pm) for
# what no client sends on purpose: each failure reason with S3's status,
# XML error code and body, and its own $iam_auth_error.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use IamSkip;

use Test::More;
use Test::IamNginx qw(s3_error describe json_decode json_encode);
use Test::IamSigV4 qw(sign_headers presign_url);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $ALICE    = 'AKIAEXAMPLEALICE0001';
my $ALICE_S  = 'aliceSecretKey/EXAMPLE+0001abcdefghijklm';
my $OLD      = 'AKIAEXAMPLEALICE0002';
my $OLD_S    = 'aliceOldSecret/EXAMPLE+0002abcdefghijklm';
my $UNKNOWN  = 'AKIAEXAMPLEUNKNOWN01';

$t->write_file('account.json', json_encode({
    account  => '123456789012',
    policies => {
        BucketRead => {
            Version   => '2012-10-17',
            Statement => [
                { Sid => 'ReadObjects', Effect => 'Allow',
                  Action => [ 's3:GetObject', 's3:ListBucket' ],
                  Resource => [ 'arn:aws:s3:::bucket',
                                'arn:aws:s3:::bucket/*' ] },
            ],
        },
    },
    users => {
        alice => {
            policies => [ 'BucketRead' ],
            access_keys => [
                { id => $ALICE, secret => $ALICE_S, status => 'Active' },
                { id => $OLD, secret => $OLD_S, status => 'Inactive' },
            ],
        },
    },
}));

$t->write_file('s3/bucket/hello.txt', "hello from the bucket\n");

$t->write_config(<<'EOF');
    iam_account %%DIR%%/account.json;
%%DECISION_LOG%%

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }

    # the same, with a one-minute clock skew
    server {
        listen 127.0.0.1:%%PORT:skew%%;
        root %%DIR%%/s3;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3 skew=1m;
            iam_mapping s3;
        }
    }
EOF

$t->run;

my $OBJ = '/bucket/hello.txt';
my $URL = $t->url($OBJ);
my $S3  = 'aws:amz:us-east-1:s3';


# A refusal as S3 sends it: status, XML body with the code, no object data.
sub refused {
    my ($r, $status, $code, $name, $message) = @_;

    is($r->{status}, $status, "$name: status $status") or diag(describe($r));

    my $e = s3_error($r->{body});
    is($e && $e->{code}, $code, "$name: S3 error code $code")
        or diag(describe($r));
    like($e && $e->{message} // '', $message, "$name: S3 error message")
        if $message;
    like($r->{headers}{'content-type'} // '', qr{^application/xml},
         "$name: XML content type");
    unlike($r->{body}, qr/hello from the bucket/, "$name: no object data");

    return $e;
}


sub auth_error_of {
    my ($mark) = @_;

    return $t->last_decision($mark)->{auth_error} // '';
}


# The reason error.log gives for the refusal, without the key id.
sub reason_of {
    my ($mark) = @_;

    my ($line) = grep { /iam:/ } split /\n/, $t->error_log_since($mark);
    my ($reason) = ($line // '') =~ /iam: (.*?), client:/;
    $reason //= '';
    $reason =~ s/"AKIA[A-Z0-9]+"/KEY/g;

    return $reason;
}


my ($r, $m, $e);

# --- curl --aws-sigv4: the good path

$m = $t->decision_log_mark;
$r = $t->curl($OBJ, sigv4 => $S3, user => "$ALICE:$ALICE_S");
is($r->{status}, 200, 'curl signed GET: allowed') or diag(describe($r));
is($r->{body}, "hello from the bucket\n", 'curl signed GET: object served');

my $d = $t->last_decision($m);
is($d->{principal}, 'arn:aws:iam::123456789012:user/alice',
   'decision log: $iam_principal');
is($d->{access_key}, $ALICE, 'decision log: $iam_access_key');
is($d->{action}, 's3:GetObject', 'decision log: $iam_action');
is($d->{resource}, 'arn:aws:s3:::bucket/hello.txt', 'decision log: $iam_resource');
is($d->{decision}, 'allowed', 'decision log: $iam_decision');
like($d->{statement} // '', qr/ReadObjects/, 'decision log: $iam_statement');
is($d->{auth_error}, '', 'decision log: no $iam_auth_error');

$r = $t->curl($OBJ, sigv4 => $S3, user => "$ALICE:$ALICE_S", head => 1);
is($r->{status}, 200, 'curl signed HEAD: allowed') or diag(describe($r));

# an object the policy does not cover: authenticated, then implicitly denied
$m = $t->decision_log_mark;
$r = $t->curl('/other-bucket/hello.txt', sigv4 => $S3,
              user => "$ALICE:$ALICE_S");
refused($r, 403, 'AccessDenied', 'signed GET outside the policy');
is($t->last_decision($m)->{decision}, 'implicitDeny',
   'signed GET outside the policy: implicitDeny logged');

# --- each SigV4 failure, with its reason

$r = $t->curl($OBJ);
refused($r, 403, 'AccessDenied', 'unsigned GET');

$m = $t->decision_log_mark;
my $em = $t->log_mark;
$r = $t->curl($OBJ, sigv4 => $S3, user => "$ALICE:wrong-secret-EXAMPLE");
refused($r, 403, 'SignatureDoesNotMatch', 'wrong secret',
        qr/signature we calculated does not match/);
isnt(auth_error_of($m), '', 'wrong secret: $iam_auth_error set');
my $badsig_reason = reason_of($em);
isnt($badsig_reason, '', 'wrong secret: error.log says why');

$m = $t->decision_log_mark;
$em = $t->log_mark;
$r = $t->curl($OBJ, sigv4 => $S3, user => "$UNKNOWN:$ALICE_S");
refused($r, 403, 'InvalidAccessKeyId', 'unknown access key',
        qr/does not exist in our records/);
isnt(auth_error_of($m), '', 'unknown access key: $iam_auth_error set');
my $unknown_reason = reason_of($em);
isnt($unknown_reason, '', 'unknown access key: error.log says why');

# S3 answers an inactive key as it does an unknown one; the log tells them apart
$m = $t->decision_log_mark;
$em = $t->log_mark;
$r = $t->curl($OBJ, sigv4 => $S3, user => "$OLD:$OLD_S");
refused($r, 403, 'InvalidAccessKeyId', 'inactive access key');
isnt(auth_error_of($m), '', 'inactive access key: $iam_auth_error set');
my $inactive_reason = reason_of($em);
isnt($inactive_reason, '', 'inactive access key: error.log says why');
isnt($inactive_reason, $unknown_reason,
     'error.log: inactive and unknown keys have distinct reasons');
isnt($badsig_reason, $unknown_reason,
     'error.log: bad signature and unknown key have distinct reasons');

$r = $t->curl($OBJ, sigv4 => 'aws:amz:eu-west-1:s3',
              user => "$ALICE:$ALICE_S");
$e = refused($r, 400, 'AuthorizationHeaderMalformed', 'wrong region',
             qr/eu-west-1.*us-east-1/);
is($e && $e->{region}, 'us-east-1', 'wrong region: <Region> names the right one');

$r = $t->curl($OBJ, sigv4 => 'aws:amz:us-east-1:ec2',
              user => "$ALICE:$ALICE_S",
              headers => [ 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ]);
refused($r, 400, 'AuthorizationHeaderMalformed', 'wrong service',
        qr/ec2/);

$r = $t->curl($OBJ, headers => [
    'Authorization: AWS4-HMAC-SHA256 Credential=garbage, Signature=00',
    'x-amz-content-sha256: UNSIGNED-PAYLOAD',
    'X-Amz-Date: ' . Test::IamSigV4::amz_date(time) ]);
refused($r, 400, 'AuthorizationHeaderMalformed', 'malformed Authorization');

# S3 needs x-amz-content-sha256 on every signed request
my %h = sign_headers(method => 'GET', url => $URL, region => 'us-east-1',
                     service => 's3', key => $ALICE, secret => $ALICE_S,
                     no_content_sha256 => 1, payload_hash =>
                     'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
$r = $t->curl($OBJ, headers => [ map { "$_: $h{$_}" } sort keys %h ]);
refused($r, 400, 'InvalidRequest', 'no x-amz-content-sha256',
        qr/x-amz-content-sha256/);

# --- hand-built headers: the signer works (so its refusals mean something)

sub signed {
    my (%a) = @_;

    my $url = $a{url} // $URL;
    my %h = sign_headers(method => $a{method} // 'GET', url => $url,
                         region => 'us-east-1', service => 's3',
                         key => $ALICE, secret => $ALICE_S, %a);
    my @extra = @{ delete $a{send} // [] };

    return $t->curl($a{send_to} // $url,
                    headers => [ (map { "$_: $h{$_}" } sort keys %h),
                                 @extra ]);
}

$r = signed();
is($r->{status}, 200, 'hand-signed GET: allowed') or diag(describe($r));

$r = signed(time => time - 5 * 60);
is($r->{status}, 200, 'X-Amz-Date 5 minutes old: allowed')
    or diag(describe($r));

$r = signed(time => time - 20 * 60);
refused($r, 403, 'RequestTimeTooSkewed', 'X-Amz-Date 20 minutes old',
        qr/difference between the request time and the current time/);

$r = signed(time => time + 20 * 60);
refused($r, 403, 'RequestTimeTooSkewed', 'X-Amz-Date 20 minutes ahead');

$r = signed(time => time - 3 * 60, url => $t->url($OBJ, 'skew'));
refused($r, 403, 'RequestTimeTooSkewed', 'skew=1m: 3 minutes old');

$r = signed(time => time - 20, url => $t->url($OBJ, 'skew'));
is($r->{status}, 200, 'skew=1m: 20 seconds old allowed') or diag(describe($r));

# signed for one object, sent for another
$t->write_file('s3/bucket/other.txt', "other object\n");
$r = signed(send_to => $t->url('/bucket/other.txt'));
refused($r, 403, 'SignatureDoesNotMatch', 'signature of another path');

# a signed header changed after signing
$r = signed(headers => { 'X-Amz-Meta-Note' => 'signed' },
            send => [ 'X-Amz-Meta-Note: changed' ]);
is($r->{status}, 403, 'signed header altered: 403') or diag(describe($r));
is(s3_error($r->{body}) && s3_error($r->{body})->{code},
   'SignatureDoesNotMatch', 'signed header altered: SignatureDoesNotMatch');

# an x-amz-* header sent but not signed
$r = signed(send => [ 'X-Amz-Meta-Unsigned: sneaky' ]);
refused($r, 403, 'AccessDenied', 'unsigned x-amz-* header',
        qr/not signed/);

# host must be signed
$r = signed(signed => [ 'x-amz-content-sha256', 'x-amz-date' ]);
ok($r->{status} == 400 || $r->{status} == 403,
   'host not signed: refused with 400 or 403') or diag(describe($r));
ok(s3_error($r->{body}), 'host not signed: an S3 error body');

# --- presigned URLs

sub presigned {
    my (%a) = @_;

    return presign_url(method => 'GET', url => $URL, region => 'us-east-1',
                       service => 's3', key => $ALICE, secret => $ALICE_S,
                       %a);
}

$m = $t->decision_log_mark;
$r = $t->curl(presigned(expires => 300));
is($r->{status}, 200, 'presigned (hand-built): allowed') or diag(describe($r));
is($t->last_decision($m)->{access_key}, $ALICE,
   'presigned: $iam_access_key from the query');

$r = $t->curl(presigned(expires => 60, time => time - 120));
refused($r, 403, 'AccessDenied', 'presigned, expired',
        qr/Request has expired/);

$r = $t->curl(presigned(expires => 604801));
is($r->{status}, 400, 'presigned, X-Amz-Expires over a week: 400')
    or diag(describe($r));
is(s3_error($r->{body}) && s3_error($r->{body})->{code},
   'AuthorizationQueryParametersError',
   'presigned, X-Amz-Expires over a week: AuthorizationQueryParametersError');

(my $tampered = presigned(expires => 300)) =~ s/(X-Amz-Signature=)(.)/
    $1 . ($2 eq '0' ? '1' : '0')/e;
refused($t->curl($tampered), 403, 'SignatureDoesNotMatch',
        'presigned, signature altered');

(my $moved = presigned(expires => 300)) =~ s{/bucket/hello\.txt}{/bucket/other.txt};
refused($t->curl($moved), 403, 'SignatureDoesNotMatch',
        'presigned, path altered');

refused($t->curl(presigned(expires => 300, key => $OLD, secret => $OLD_S)),
        403, 'InvalidAccessKeyId', 'presigned, inactive key');

SKIP: {
    skip_unless(Test::IamNginx::python_botocore(),
                'python3 with botocore is not installed', 5);

    my $out = $t->client('s3_botocore.py', $t->url(''), $ALICE, $ALICE_S,
        { stdin => json_encode([
            { op => 'presign', method => 'get_object',
              Params => { Bucket => 'bucket', Key => 'hello.txt' },
              ExpiresIn => 300 },
            { op => 'presign', method => 'get_object',
              Params => { Bucket => 'bucket', Key => 'hello.txt' },
              ExpiresIn => 1 },
        ]) });
    my ($ok, $short) = map { json_decode($_) } split /\n/, $out->{out};

    ok($ok && $ok->{url}, 'botocore presigns') or diag($out->{err});

    $r = $t->curl($ok->{url} // $URL);
    is($r->{status}, 200, 'botocore presigned URL: allowed')
        or diag(describe($r));
    is($r->{body}, "hello from the bucket\n", 'botocore presigned URL: body');

    sleep 2;
    $r = $t->curl($short->{url} // $URL);
    is($r->{status}, 403, 'botocore presigned URL, expired: 403')
        or diag(describe($r));
    like(s3_error($r->{body}) && s3_error($r->{body})->{message} // '',
         qr/Request has expired/,
         'botocore presigned URL, expired: "Request has expired"');
}

SKIP: {
    skip_unless(Test::IamNginx::aws_cli(),
                'the AWS CLI is not installed', 2);

    $t->aws_env(profile => 'alice', key => $ALICE, secret => $ALICE_S);
    my $out = $t->aws('alice', 's3', 'presign', 's3://bucket/hello.txt',
                      '--expires-in', '300',
                      '--endpoint-url', $t->url(''));
    (my $url = $out->{out}) =~ s/\s+$//;
    like($url, qr/X-Amz-Signature=/, 'aws s3 presign: a SigV4 URL')
        or diag($out->{err});

    $r = $t->curl($url || $URL);
    is($r->{status}, 200, 'aws s3 presign URL: allowed') or diag(describe($r));
}

$t->done;
