#!/usr/bin/perl
# Policy decisions through a real nginx, each request signed by curl
# --aws-sigv4: groups, explicit and implicit deny, permissions boundary,
# guardrails, resource policy, and the condition keys the module takes from
# the connection (aws:SourceIp with and without realip, aws:SecureTransport
# over a real TLS listener, aws:CurrentTime, aws:PrincipalTag).

use strict;
use warnings;
use Test::More;
use File::Temp ();
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my ($plain, $realip, $tls) = (free_port(), free_port(), free_port());
my $data = "$FindBin::Bin/data";

# a self-signed certificate for the TLS listener, made now
my $certdir = File::Temp::tempdir(CLEANUP => 1);
system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 "
       . "-keyout $certdir/key.pem -out $certdir/cert.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl could not make a certificate');

my $t = nginx_start(ports => [$plain, $realip, $tls], files => {
    'account.json' => read_file("$data/account.json"),
    'bucket-policy.json' => read_file("$data/bucket-policy.json"),
    'cert.pem' => read_file("$certdir/cert.pem"),
    'key.pem' => read_file("$certdir/key.pem"),
    'html/shared/readme.txt' => "hello\n",
    'html/shared/home/bob/notes.txt' => "bob\n",
    'html/shared/reports/q3.csv' => "q3\n",
    'html/teams/storage/plan.txt' => "storage plan\n",
    'html/teams/network/plan.txt' => "network plan\n",
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    root \@DIR\@/html;

    # the same protected location on three listeners
    server {
        listen 127.0.0.1:$plain;
        location / {
            iam on;
            iam_mapping s3;
            iam_resource_policy \@DIR\@/bucket-policy.json;
            dav_methods PUT DELETE;
            create_full_put_path on;
        }
    }
    server {
        listen 127.0.0.1:$realip;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location / {
            iam on;
            iam_mapping s3;
        }
    }
    server {
        listen 127.0.0.1:$tls ssl;
        ssl_certificate \@DIR\@/cert.pem;
        ssl_certificate_key \@DIR\@/key.pem;
        location / {
            iam on;
            iam_mapping s3;
        }
    }
HTTP

sub user {
    my ($name) = @_;
    my %keys = (alice => 'AKIAEXAMPLEALICE0001', bob => 'AKIAEXAMPLEBOB000001',
                carol => 'AKIAEXAMPLECAROL0001', dave => 'AKIAEXAMPLEDAVE00001',
                erin => 'AKIAEXAMPLEERIN00001', frank => 'AKIAEXAMPLEFRANK0001',
                gina => 'AKIAEXAMPLEGINA00001');
    return (key => $keys{$name}, secret => "$name-secret");
}

sub get {
    my ($who, $url, @args) = @_;
    return curl_sigv4(user($who), url => $url, args => \@args);
}

sub code { my ($r) = @_; return ($r->{body} =~ m{<Code>([^<]+)</Code>})[0] // '' }

my $p = "http://127.0.0.1:$plain";
my $r0;

# groups, deny, implicit deny
is(get('alice', "$p/shared/readme.txt")->{status}, 200, 'group policy allows');
is(get('alice', "$p/shared/readme.txt")->{body}, "hello\n", 'group policy allows: the object is served');
$r0 = get('alice', "$p/shared/secret/plans.txt");
is($r0->{status}, 403, 'explicit deny beats the group allow');
is(code($r0), 'AccessDenied', 'explicit deny: AccessDenied');
like($r0->{headers}{'content-type'} // '', qr{application/xml}, 'explicit deny: an XML body');
like(error_log($t), qr/user\/alice" is not allowed "s3:GetObject" on "arn:aws:s3:::shared\/secret\/plans\.txt": explicitDeny by "NoSecrets\/DenySecrets"/,
     'explicit deny: the deciding statement is logged');
is(get('carol', "$p/shared/readme.txt")->{status}, 403, 'no policy: implicit deny');
is(code(get('carol', "$p/shared/readme.txt")), 'AccessDenied', 'implicit deny: AccessDenied');

# permissions boundary: HomeDir allows bob's PUT, his read-only boundary does not
my $r = curl_sigv4(user('bob'), method => 'PUT', url => "$p/shared/home/bob/new.txt",
                   args => ['--data-binary', 'x']);
is($r->{status}, 403, 'boundary: PUT in own home refused');
is(code($r), 'AccessDenied', 'boundary: AccessDenied');
ok(!-e "$t->{dir}/html/shared/home/bob/new.txt", 'boundary: nothing was written');
like(error_log($t), qr/user\/bob" is not allowed "s3:PutObject" on "arn:aws:s3:::shared\/home\/bob\/new\.txt": implicitDeny/,
     'boundary: logged as implicitDeny');
is(get('bob', "$p/shared/home/bob/notes.txt")->{status}, 200, 'boundary: GET allowed');
$r = curl_sigv4(user('alice'), method => 'PUT', url => "$p/shared/home/alice/new.txt",
                args => ['--data-binary', 'x']);
ok($r->{status} == 201 || $r->{status} == 204, 'no boundary: alice may PUT in her home')
    or diag($r->{raw});
is(read_file("$t->{dir}/html/shared/home/alice/new.txt"), 'x', 'and the object was written');

# guardrail: denies DeleteBucket although nothing else would matter
$r = curl_sigv4(user('alice'), method => 'DELETE', url => "$p/shared");
is($r->{status}, 403, 'guardrail: DeleteBucket refused');
is(code($r), 'AccessDenied', 'guardrail: AccessDenied');
like(error_log($t), qr/explicitDeny by "Guardrail\/NoBucketDelete"/, 'guardrail: the deciding statement is logged');

# resource policy names carol
is(get('carol', "$p/shared/reports/q3.csv")->{status}, 200, 'resource policy grants carol');
is(get('carol', "$p/shared/reports/q3.csv")->{body}, "q3\n", 'resource policy: the object is served');
is(get('carol', "$p/shared/readme.txt")->{status}, 403, 'resource policy: only its prefix');
is(get('carol', "http://127.0.0.1:$realip/shared/reports/q3.csv")->{status}, 403,
   'without iam_resource_policy in the location: carol refused');
is(code(get('bob', "$p/shared/reports/q3.csv")), '', 'resource policy names carol only: bob reads via his group');

# principal tags in a policy variable
is(get('alice', "$p/teams/storage/plan.txt")->{status}, 200, '${aws:PrincipalTag/team}: own team');
is(get('alice', "$p/teams/network/plan.txt")->{status}, 403, '${aws:PrincipalTag/team}: other team');

# aws:CurrentTime
is(get('frank', "$p/shared/readme.txt")->{status}, 200, 'aws:CurrentTime inside the window');
is(get('gina', "$p/shared/readme.txt")->{status}, 403, 'aws:CurrentTime past the window');

# aws:SourceIp: a spoofed X-Forwarded-For changes nothing without realip
is(get('dave', "$p/shared/readme.txt")->{status}, 403, 'SourceIp 127.0.0.1 not in 10.9.0.0/16');
is(get('dave', "$p/shared/readme.txt", '-H', 'X-Forwarded-For: 10.9.1.1')->{status}, 403,
   'spoofed X-Forwarded-For ignored without realip');

# with realip trusting 127.0.0.1, the header is the client address
my $ri = "http://127.0.0.1:$realip";
is(get('dave', "$ri/shared/readme.txt", '-H', 'X-Forwarded-For: 10.9.1.1')->{status}, 200,
   'realip from a trusted proxy: SourceIp from X-Forwarded-For');
is(get('dave', "$ri/shared/readme.txt", '-H', 'X-Forwarded-For: 192.0.2.1')->{status}, 403,
   'realip: an address outside the range');

# aws:SecureTransport
is(get('erin', "$p/shared/readme.txt")->{status}, 403, 'SecureTransport false: denied');
like(error_log($t), qr/user\/erin" is not allowed .*explicitDeny by "TlsOnly\/DenyPlainHttp"/,
     'SecureTransport false: the Deny statement decided');
is(get('erin', "https://127.0.0.1:$tls/shared/readme.txt", '-k')->{status}, 200,
   'SecureTransport true over TLS: allowed');

check_error_log($t);

# ---- a second nginx with an account written here: SourceIp ranges, a
# guardrail over an allow-everything user, a clock window computed now
sub iso { my @t = gmtime($_[0]); return sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]) }
my $now = time;
my ($h_ago, $h_ahead, $d_ago) = (iso($now - 3600), iso($now + 3600), iso($now - 86400));

sub pol {
    my ($sid, $action, $cond) = @_;
    return { Version => '2012-10-17', Statement => [ { Sid => $sid, Effect => 'Allow',
             Action => $action, Resource => 'arn:aws:s3:::shared/*',
             ($cond ? (Condition => $cond) : ()) } ] };
}
sub key_of { my ($n) = @_; my $id = uc("AKIATEST$n") . ('0' x 20); return substr($id, 0, 20) }
my %acct = (
    account => '123456789012',
    policies => {
        Guardrail => { Version => '2012-10-17', Statement => [
            { Sid => 'Everything', Effect => 'Allow', Action => '*', Resource => '*' },
            { Sid => 'NoBucketDelete', Effect => 'Deny', Action => 's3:DeleteBucket', Resource => '*' } ] },
    },
    users => {},
    guardrails => [ [ 'Guardrail' ] ],
);
my %pols = (
    loopback => pol('Loopback', 's3:GetObject', { IpAddress => { 'aws:SourceIp' => '127.0.0.0/8' } }),
    tenner   => pol('TenNet', 's3:GetObject', { IpAddress => { 'aws:SourceIp' => '10.0.0.0/8' } }),
    inwindow => pol('Window', 's3:GetObject', { DateGreaterThan => { 'aws:CurrentTime' => $h_ago },
                                                DateLessThan => { 'aws:CurrentTime' => $h_ahead } }),
    expired  => pol('Expired', 's3:GetObject', { DateGreaterThan => { 'aws:CurrentTime' => $d_ago },
                                                 DateLessThan => { 'aws:CurrentTime' => $h_ago } }),
    admin    => { Version => '2012-10-17', Statement => [ { Sid => 'All', Effect => 'Allow', Action => 's3:*', Resource => '*' } ] },
);
for my $n (keys %pols) {
    $acct{users}{$n} = { policies => [ $pols{$n} ],
                         access_keys => [ { id => key_of($n), secret => "$n-secret" } ] };
}

my ($p2, $ri2) = (free_port(), free_port());
my $t2 = nginx_start(ports => [$p2, $ri2], files => {
    'account.json' => JSON::PP->new->pretty->canonical->encode(\%acct),
    'html/shared/readme.txt' => "hello\n",
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    root \@DIR\@/html;
    server {
        listen 127.0.0.1:$p2;
        location / { iam on; iam_mapping s3; dav_methods DELETE; }
    }
    server {
        listen 127.0.0.1:$ri2;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location / { iam on; iam_mapping s3; }
    }
HTTP
ok(!$t2->{failed}, 'the inline account loads') or diag($t2->{failed});

sub get2 {
    my ($who, $url, @args) = @_;
    return curl_sigv4(key => key_of($who), secret => "$who-secret", url => $url, args => \@args);
}
my ($b2, $bri) = ("http://127.0.0.1:$p2/shared/readme.txt", "http://127.0.0.1:$ri2/shared/readme.txt");

# aws:SourceIp without realip: the connection's address, whatever the header says
is(get2('loopback', $b2)->{status}, 200, 'SourceIp 127.0.0.1 in 127.0.0.0/8: allowed');
is(get2('tenner', $b2)->{status}, 403, 'SourceIp 127.0.0.1 not in 10.0.0.0/8: refused');
is(code(get2('tenner', $b2)), 'AccessDenied', 'SourceIp refusal: AccessDenied');
is(get2('tenner', $b2, '-H', 'X-Forwarded-For: 10.1.2.3')->{status}, 403,
   'no realip: a spoofed X-Forwarded-For 10.1.2.3 does not grant 10.0.0.0/8');
is(get2('loopback', $b2, '-H', 'X-Forwarded-For: 10.1.2.3')->{status}, 200,
   'no realip: a spoofed X-Forwarded-For does not take 127.0.0.0/8 away');

# with realip trusting 127.0.0.1 the header is the client address
is(get2('tenner', $bri, '-H', 'X-Forwarded-For: 10.1.2.3')->{status}, 200,
   'realip: X-Forwarded-For 10.1.2.3 is in 10.0.0.0/8');
is(get2('loopback', $bri, '-H', 'X-Forwarded-For: 10.1.2.3')->{status}, 403,
   'realip: X-Forwarded-For 10.1.2.3 is not in 127.0.0.0/8');
is(get2('loopback', $bri)->{status}, 200, 'realip without the header: the peer 127.0.0.1');
is(get2('tenner', $bri, '-H', 'X-Forwarded-For: 192.0.2.7')->{status}, 403,
   'realip: 192.0.2.7 is in neither range');

# aws:CurrentTime window computed around now
is(get2('inwindow', $b2)->{status}, 200, "aws:CurrentTime in ($h_ago, $h_ahead): allowed");
my $rx = get2('expired', $b2);
is($rx->{status}, 403, "aws:CurrentTime window ended $h_ago: refused");
is(code($rx), 'AccessDenied', 'expired window: AccessDenied');

# the guardrail bounds a user allowed s3:* on everything
is(get2('admin', $b2)->{status}, 200, 'admin s3:*: GetObject allowed');
$rx = get2('admin', "http://127.0.0.1:$p2/shared", '-X', 'DELETE');
is($rx->{status}, 403, 'admin s3:*: DeleteBucket refused by the guardrail');
is(code($rx), 'AccessDenied', 'guardrail over s3:*: AccessDenied');
like(error_log($t2), qr/user\/admin" is not allowed "s3:DeleteBucket" on "arn:aws:s3:::shared": explicitDeny by "Guardrail\/NoBucketDelete"/,
     'guardrail over s3:*: the deny statement decided');
ok(-d "$t2->{dir}/html/shared", 'the bucket directory is still there');

check_error_log($t2, 'second nginx error.log');

done_testing();
