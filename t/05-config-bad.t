#!/usr/bin/perl
# Bad configuration fails `nginx -t` with FILE:LINE:COLUMN and what is wrong;
# a reload with a broken account file keeps the old configuration serving.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $good = read_file("$FindBin::Bin/data/account.json");

sub conf_with {
    my ($account, %extra) = @_;
    my $loc = $extra{location} // 'iam on; iam_mapping s3;';
    return nginx_test_config(files => { 'account.json' => $account,
                                        %{ $extra{files} || {} } },
                             http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    server {
        listen 127.0.0.1:@{[ free_port() ]};
        location / { $loc empty_gif; }
    }
HTTP
}

my ($rc, $out) = conf_with($good);
is($rc, 0, 'nginx -t: the good account passes') or diag($out);

my @cases = (
    [ 'JSON syntax error',
      qq({\n  "account": "123456789012",\n  "users": { "a": { } ,, }\n}\n),
      qr{account\.json:3:24: string or '\}' expected near ','} ],
    [ 'unknown policy name',
      qq({\n  "account": "123456789012",\n  "users": {\n    "a": { "policies": ["Nope"] }\n  }\n}\n),
      qr{account\.json:4:25: users\.a\.policies\[0\]: unknown policy "Nope"} ],
    [ 'bad Effect',
      qq({\n  "account": "123456789012",\n  "policies": {\n    "P": { "Version": "2012-10-17",\n           "Statement": [ { "Effect": "Alow", "Action": "s3:*", "Resource": "*" } ] }\n  }\n}\n),
      qr{account\.json:5:29: Statement\[0\]\.Effect: .*"Alow"} ],
    [ 'duplicate access key',
      qq({\n  "account": "123456789012",\n  "users": {\n    "a": { "access_keys": [ { "id": "AKIAEXAMPLEDUPLICATE", "secret": "x" } ] },\n    "b": { "access_keys": [ { "id": "AKIAEXAMPLEDUPLICATE", "secret": "y" } ] }\n  }\n}\n),
      qr{account\.json:5:31: users\.b\.access_keys\[0\]\.id: duplicate access key "AKIAEXAMPLEDUPLICATE"} ],
    [ 'unknown member',
      qq({\n  "account": "123456789012",\n  "usres": {}\n}\n),
      qr{account\.json:3:3: usres: unknown member "usres"} ],
);

for my $c (@cases) {
    my ($name, $account, $want) = @$c;
    ($rc, $out) = conf_with($account);
    isnt($rc, 0, "nginx -t fails: $name");
    like($out, qr/\[emerg\].*$want/, "nginx -t says where and what: $name") or diag($out);
}

($rc, $out) = conf_with($good, location => 'iam on; iam_mapping s3; iam_resource_policy @DIR@/rp.json;',
                        files => { 'rp.json' => qq({ "Version": "2012-10-17",\n  "Statement": [ { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" } ] }\n) });
isnt($rc, 0, 'nginx -t fails: a resource policy without Principal');
like($out, qr{rp\.json:2:\d+: Statement\[0\]: .*Principal}, 'resource policy error points into its file')
    or diag($out);

($rc, $out) = conf_with($good, location => 'iam on; iam_mapping s4;');
isnt($rc, 0, 'nginx -t fails: iam_mapping s4');
like($out, qr/invalid mapping "s4"/, 'nginx -t says what is wrong') or diag($out);

($rc, $out) = nginx_test_config(http => <<"HTTP");
    server { listen 127.0.0.1:@{[ free_port() ]}; location / { iam on; empty_gif; } }
HTTP
isnt($rc, 0, 'nginx -t fails: iam on without iam_account');
like($out, qr/iam_account/, 'and says iam_account is missing') or diag($out);

# every problem of a file is reported, each at its own place
($rc, $out) = conf_with(qq({\n  "account": "123456789012",\n  "groups": { "g": { "policies": [] } },\n  "users": {\n    "a": { "groups": ["nogroup"], "access_keys": [ { "id": "akia-lower", "secret": "x" } ] }\n  }\n}\n));
isnt($rc, 0, 'nginx -t fails: two problems in one file');
like($out, qr{account\.json:5:23: users\.a\.groups\[0\]: unknown group "nogroup"}, 'first problem: unknown group at 5:23')
    or diag($out);
like($out, qr{account\.json:5:54: users\.a\.access_keys\[0\]\.id: an access key id is 16 to 128}, 'second problem: bad key id at 5:54')
    or diag($out);
is(scalar(() = $out =~ /\[emerg\]/g), 2, 'one emerg line per problem');

# a resource policy file that is not JSON
($rc, $out) = conf_with($good, location => 'iam on; iam_mapping s3; iam_resource_policy @DIR@/rp.json;',
                        files => { 'rp.json' => qq({ "Version": "2012-10-17",\n  "Statement": [ }\n) });
isnt($rc, 0, 'nginx -t fails: a resource policy with a JSON syntax error');
like($out, qr{rp\.json:2:18: }, 'resource policy syntax error at 2:18') or diag($out);

($rc, $out) = conf_with($good, location => 'iam on; iam_mapping s3; iam_resource_policy @DIR@/missing.json;');
isnt($rc, 0, 'nginx -t fails: a missing resource policy file');
like($out, qr{missing\.json: cannot open}, 'and names the file') or diag($out);

# directive arguments
for my $c (
    [ 'iam maybe;', qr/invalid value "maybe" in "iam" directive/ ],
    [ 'iam on; iam_enforce perhaps;', qr/invalid value "perhaps" in "iam_enforce"/ ],
    [ 'iam on; iam_auth jwt;', qr/"iam_auth jwt" requires "iam_oidc_provider"/ ],
    [ 'iam on; iam_auth sigv4 oauth;', qr/invalid authenticator "oauth"/ ],
    [ 'iam on; iam_role nobody;', qr/"iam_role": no role "nobody" in the account/ ],
    [ 'iam on; iam_sigv4 service=s3;', qr/"iam_sigv4" requires "region="/ ],
    [ 'iam on; iam_sigv4 region=us-east-1 skew=0s;', qr/invalid parameter "skew=0s"/ ],
    [ 'iam on; iam_sigv4 region=us-east-1 skew=8d;', qr/invalid parameter "skew=8d"/ ],
    [ 'iam on; iam_action FETCH x:Y;', qr/invalid method "FETCH"/ ],
    [ 'iam on; iam_mapping s3; iam_action GET s3:GetObject;', qr/cannot be combined with "iam_mapping s3"/ ],
    [ 'iam on; iam_condition_key aws:username $http_x;', qr/invalid condition key "aws:username"/ ],
    [ 'iam on; iam_condition_key NoPrefix $http_x;', qr/invalid condition key "NoPrefix"/ ],
) {
    my ($loc, $want) = @$c;
    ($rc, $out) = conf_with($good, location => $loc);
    isnt($rc, 0, "nginx -t fails: $loc");
    like($out, qr/\[emerg\].*$want/, "nginx -t says why: $loc") or diag($out);
}

($rc, $out) = nginx_test_config(files => { 'account.json' => $good }, http => <<"HTTP");
    server { iam_account \@DIR\@/account.json; listen 127.0.0.1:@{[ free_port() ]}; location / { iam on; empty_gif; } }
HTTP
isnt($rc, 0, 'nginx -t fails: iam_account in a server block');
like($out, qr/"iam_account" directive is not allowed here/, 'iam_account is http-only') or diag($out);

# reload: a broken file keeps the old configuration, a fixed one takes over
my $port = free_port();
my $t = nginx_start(ports => [$port], files => {
    'account.json' => $good,
    'html/shared/readme.txt' => "hello\n",
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    server {
        listen 127.0.0.1:$port;
        root \@DIR\@/html;
        location / { iam on; iam_mapping s3; }
    }
HTTP

my %alice = (key => 'AKIAEXAMPLEALICE0001', secret => 'alice-secret');
my $url = "http://127.0.0.1:$port/shared/readme.txt";
is(curl_sigv4(%alice, url => $url)->{status}, 200, 'before reload: allowed');

my %carol = (key => 'AKIAEXAMPLECAROL0001', secret => 'carol-secret');
is(curl_sigv4(%carol, url => $url)->{status}, 403, 'before reload: carol refused');

my $mark = length error_log($t);
write_file("$t->{dir}/account.json", "{\n  \"account\": \"123456789012\",\n  \"users\": { ,\n}\n");
nginx_reload($t);
is(curl_sigv4(%alice, url => $url)->{status}, 200, 'broken reload: the old configuration still decides');
is(curl_sigv4(%carol, url => $url)->{status}, 403, 'broken reload: and still refuses carol');
like(error_log_since($t, $mark), qr{\[emerg\].*account\.json:3:14: string or '\}' expected near ','},
     'broken reload: FILE:LINE:COLUMN in the error log');

my $doc = JSON::PP->new->decode($good);
delete $doc->{users}{alice}{groups};
my $fixed = JSON::PP->new->pretty->encode($doc);
$mark = length error_log($t);
write_file("$t->{dir}/account.json", $fixed);
nginx_reload($t);
my $r = curl_sigv4(%alice, url => $url);
is($r->{status}, 403, 'good reload: the new account decides');
like($r->{body}, qr{<Code>AccessDenied</Code>}, 'good reload: AccessDenied');
unlike(error_log_since($t, $mark), qr/\[emerg\]/, 'good reload: no emerg line');
like(error_log_since($t, $mark), qr/user\/alice" is not allowed "s3:GetObject".*implicitDeny/,
     'good reload: the refusal is logged as implicitDeny');

done_testing();
