#!/usr/bin/perl
# An internal API with its own actions and resources: iam_action,
# iam_resource with named captures, iam_condition_key, service=orders signed
# by curl, JSON error bodies, the dry run, and the decision log written with
# log_format escape=json.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my ($port, $upstream) = (free_port(), free_port());

my $account = <<'JSON';
{
  "account": "123456789012",
  "policies": {
    "OrderClerk": {
      "Version": "2012-10-17",
      "Statement": [
        { "Sid": "ReadOrders1x", "Effect": "Allow", "Action": "orders:GetOrder",
          "Resource": "arn:app:orders:eu-west-1:123456789012:order/1*" },
        { "Sid": "UpdateGoldOrders", "Effect": "Allow", "Action": "orders:UpdateOrder",
          "Resource": "arn:app:orders:eu-west-1:123456789012:order/*",
          "Condition": { "StringEquals": { "app:Tier": "gold" } } },
        { "Sid": "NoZero", "Effect": "Deny", "Action": "orders:*",
          "Resource": "arn:app:orders:eu-west-1:123456789012:order/0*" }
      ]
    }
  },
  "users": {
    "clerk": { "policies": ["OrderClerk"],
               "access_keys": [ { "id": "AKIAEXAMPLECLERK0001", "secret": "clerk-secret" } ] }
  }
}
JSON

my $t = nginx_start(ports => [$port, $upstream], files => {
    'account.json' => $account,
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;

    log_format iam escape=json
        '{"principal":"\$iam_principal","accessKey":"\$iam_access_key",'
        '"action":"\$iam_action","resource":"\$iam_resource",'
        '"decision":"\$iam_decision","statement":"\$iam_statement",'
        '"authError":"\$iam_auth_error","status":\$status}';

    server {
        listen 127.0.0.1:$port;
        access_log \@DIR\@/decisions.log iam;

        location ~ ^/orders/(?<order>[^/]+)\$ {
            iam on;
            iam_sigv4 region=eu-west-1 service=orders;
            iam_action GET orders:GetOrder;
            iam_action PUT orders:UpdateOrder;
            iam_resource "arn:app:orders:eu-west-1:123456789012:order/\$order";
            iam_condition_key app:Tier \$http_x_tier;
            proxy_pass http://127.0.0.1:$upstream;
        }

        location ~ ^/dry/(?<order>[^/]+)\$ {
            iam on;
            iam_enforce off;
            iam_sigv4 region=eu-west-1 service=orders;
            iam_action GET orders:GetOrder;
            iam_resource "arn:app:orders:eu-west-1:123456789012:order/\$order";
            proxy_pass http://127.0.0.1:$upstream;
        }
    }

    server {
        listen 127.0.0.1:$upstream;
        access_log off;
        location / { return 200 "ok\n"; }   # not protected: return is fine here
    }
HTTP

my %clerk = (key => 'AKIAEXAMPLECLERK0001', secret => 'clerk-secret',
             region => 'eu-west-1', service => 'orders');
my $base = "http://127.0.0.1:$port";

sub last_decision {
    my @lines = split /\n/, read_file("$t->{dir}/decisions.log");
    return $lines[-1] ? decode_json($lines[-1]) : {};
}

my $r = curl_sigv4(%clerk, url => "$base/orders/17");
is($r->{status}, 200, 'GetOrder on order/17: allowed');
my $d = last_decision();
is($d->{action}, 'orders:GetOrder', 'decision log: action');
is($d->{resource}, 'arn:app:orders:eu-west-1:123456789012:order/17',
   'decision log: resource from the named capture');
is($d->{principal}, 'arn:aws:iam::123456789012:user/clerk', 'decision log: principal');
is($d->{decision}, 'allowed', 'decision log: allowed');
is($d->{statement}, 'OrderClerk/ReadOrders1x', 'decision log: the deciding statement');
is($d->{accessKey}, 'AKIAEXAMPLECLERK0001', 'decision log: access key');

$r = curl_sigv4(%clerk, url => "$base/orders/2");
is($r->{status}, 403, 'GetOrder on order/2: refused');
like($r->{headers}{'content-type'} // '', qr{application/json}, 'refusal: a JSON body');
my $body = eval { decode_json($r->{body}) } // {};
is($body->{error}, 'AccessDenied', 'refusal: {"error":"AccessDenied"}');
is(last_decision()->{decision}, 'implicitDeny', 'decision log: implicitDeny');

is(last_decision()->{statement}, '', 'decision log: no statement for an implicit deny');
is(last_decision()->{status}, 403, 'decision log: status 403');
like(error_log($t), qr{user/clerk" is not allowed "orders:GetOrder" on "arn:app:orders:eu-west-1:123456789012:order/2": implicitDeny},
     'error log: the implicit deny');

is(curl_sigv4(%clerk, url => "$base/orders/1")->{status}, 200, 'order/1 matches order/1*');
is(curl_sigv4(%clerk, url => "$base/orders/21")->{status}, 403, 'order/21 does not match order/1*');

# an explicit deny, named in the decision log
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/07",
                args => ['-H', 'X-Tier: gold', '--data-binary', 'x']);
is($r->{status}, 403, 'Deny on order/0*: refused although gold');
is((eval { decode_json($r->{body}) } // {})->{error}, 'AccessDenied', 'explicit deny: JSON AccessDenied');
$d = last_decision();
is($d->{decision}, 'explicitDeny', 'decision log: explicitDeny');
is($d->{statement}, 'OrderClerk/NoZero', 'decision log: the Deny statement');
is($d->{action}, 'orders:UpdateOrder', 'decision log: the PUT action');
is($d->{resource}, 'arn:app:orders:eu-west-1:123456789012:order/07', 'decision log: the denied resource');

# a PUT with a body: curl signs the body's hash, the module hashes the body
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/5",
                args => ['-H', 'X-Tier: gold', '--data-binary', '{"qty":3}']);
is($r->{status}, 200, 'UpdateOrder with app:Tier gold: allowed (body hash verified)');
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/5",
                args => ['-H', 'X-Tier: silver', '--data-binary', '{"qty":3}']);
is($r->{status}, 403, 'UpdateOrder with app:Tier silver: refused by the condition');
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/5", args => ['--data-binary', '{"qty":3}']);
is($r->{status}, 403, 'UpdateOrder without X-Tier: app:Tier absent, refused');
is(last_decision()->{decision}, 'implicitDeny', 'no X-Tier: implicitDeny');

# botocore signs one body, curl sends another: the module hashes what came
my @h = sign_headers(key => $clerk{key}, secret => $clerk{secret}, region => 'eu-west-1',
                     service => 'orders', method => 'PUT', url => "$base/orders/5", body => '{"qty":3}');
ok(scalar(grep { /^Authorization: AWS4-HMAC-SHA256/ } @h), 'botocore signed the PUT');
$r = curl(@h, '-X', 'PUT', '-H', 'X-Tier: gold', '--data-binary', '{"qty":3}', "$base/orders/5");
is($r->{status}, 200, 'botocore SigV4Auth PUT with its body: allowed');
$r = curl(@h, '-X', 'PUT', '-H', 'X-Tier: gold', '--data-binary', '{"qty":9}', "$base/orders/5");
is($r->{status}, 403, 'another body than the signed one: refused');
is((eval { decode_json($r->{body}) } // {})->{error}, 'SignatureDoesNotMatch', 'changed body: SignatureDoesNotMatch');

# HEAD falls back to the GET rule
$r = curl_sigv4(%clerk, url => "$base/orders/17", args => ['-I']);
is($r->{status}, 200, 'HEAD on order/17: the GET rule allows');
is(last_decision()->{action}, 'orders:GetOrder', 'HEAD: decided as orders:GetOrder');
is(curl_sigv4(%clerk, url => "$base/orders/2", args => ['-I'])->{status}, 403, 'HEAD on order/2: refused');

# a method with no iam_action is refused, never guessed
$r = curl_sigv4(%clerk, method => 'DELETE', url => "$base/orders/17");
is($r->{status}, 403, 'a method without an iam_action: refused');

# unsigned and badly signed
$r = http("$base/orders/17");
is($r->{status}, 401, 'unsigned: 401');
like($r->{headers}{'www-authenticate'} // '', qr/AWS4-HMAC-SHA256/, 'unsigned: WWW-Authenticate');
is((eval { decode_json($r->{body}) } // {})->{error}, 'MissingAuthenticationToken', 'unsigned: JSON MissingAuthenticationToken');
$d = last_decision();
is($d->{principal}, 'anonymous', 'decision log: anonymous principal');
is($d->{decision}, 'implicitDeny', 'decision log: anonymous implicitDeny');
is($d->{status}, 401, 'decision log: status 401');

$r = curl_sigv4(%clerk, secret => 'wrong', url => "$base/orders/17");
is($r->{status}, 403, 'bad signature: 403');
is((eval { decode_json($r->{body}) } // {})->{error}, 'SignatureDoesNotMatch', 'bad signature: JSON SignatureDoesNotMatch');
$d = last_decision();
is($d->{statement}, '', 'decision log: no statement without authentication');
is($d->{authError}, 'SignatureDoesNotMatch', 'decision log: authError');
is($d->{decision}, '', 'decision log: no decision without authentication');

# dry run: decide and log, deny nothing
$r = curl_sigv4(%clerk, url => "$base/dry/99");
is($r->{status}, 200, 'iam_enforce off: a refused request passes');
is(last_decision()->{decision}, 'implicitDeny', 'iam_enforce off: the decision is logged');
like(error_log($t), qr{"orders:GetOrder" on "arn:app:orders:eu-west-1:123456789012:order/99": implicitDeny.*\(dry run: not enforced\)},
     'iam_enforce off: the error log says it was a dry run');
is(curl_sigv4(%clerk, url => "$base/dry/12")->{status}, 200, 'iam_enforce off: an allowed request passes');
is(last_decision()->{decision}, 'allowed', 'iam_enforce off: allowed is logged');

# every request got one well-formed decision line
my @lines = split /\n/, read_file("$t->{dir}/decisions.log");
my @bad = grep { !eval { decode_json($_); 1 } } @lines;
is(scalar(@bad), 0, 'every decision-log line is JSON') or diag(join "\n", @bad);
is(scalar(@lines), 17, 'one line per request (17 requests)');

check_error_log($t);

done_testing();
