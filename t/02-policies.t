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

# groups, deny, implicit deny
is(get('alice', "$p/shared/readme.txt")->{status}, 200, 'group policy allows');
is(get('carol', "$p/shared/readme.txt")->{status}, 403, 'no policy: implicit deny');
is(code(get('carol', "$p/shared/readme.txt")), 'AccessDenied', 'implicit deny: AccessDenied');

# permissions boundary: HomeDir allows bob's PUT, his read-only boundary does not
my $r = curl_sigv4(user('bob'), method => 'PUT', url => "$p/shared/home/bob/new.txt",
                   args => ['--data-binary', 'x']);
is($r->{status}, 403, 'boundary: PUT in own home refused');
is(get('bob', "$p/shared/home/bob/notes.txt")->{status}, 200, 'boundary: GET allowed');
$r = curl_sigv4(user('alice'), method => 'PUT', url => "$p/shared/home/alice/new.txt",
                args => ['--data-binary', 'x']);
ok($r->{status} == 201 || $r->{status} == 204, 'no boundary: alice may PUT in her home')
    or diag($r->{raw});
is(read_file("$t->{dir}/html/shared/home/alice/new.txt"), 'x', 'and the object was written');

# guardrail: denies DeleteBucket although nothing else would matter
$r = curl_sigv4(user('alice'), method => 'DELETE', url => "$p/shared");
is($r->{status}, 403, 'guardrail: DeleteBucket refused');
like(error_log($t), qr/explicitDeny by "Guardrail\/NoBucketDelete"/, 'guardrail: the deciding statement is logged');

# resource policy names carol
is(get('carol', "$p/shared/reports/q3.csv")->{status}, 200, 'resource policy grants carol');
is(get('carol', "$p/shared/readme.txt")->{status}, 403, 'resource policy: only its prefix');

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
is(get('erin', "https://127.0.0.1:$tls/shared/readme.txt", '-k')->{status}, 200,
   'SecureTransport true over TLS: allowed');

check_error_log($t);

done_testing();
