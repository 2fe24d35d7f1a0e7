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
          "Condition": { "StringEquals": { "app:Tier": "gold" } } }
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

# a PUT with a body: curl signs the body's hash, the module hashes the body
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/5",
                args => ['-H', 'X-Tier: gold', '--data-binary', '{"qty":3}']);
is($r->{status}, 200, 'UpdateOrder with app:Tier gold: allowed (body hash verified)');
$r = curl_sigv4(%clerk, method => 'PUT', url => "$base/orders/5",
                args => ['-H', 'X-Tier: silver', '--data-binary', '{"qty":3}']);
is($r->{status}, 403, 'UpdateOrder with app:Tier silver: refused by the condition');

# a method with no iam_action is refused, never guessed
$r = curl_sigv4(%clerk, method => 'DELETE', url => "$base/orders/17");
is($r->{status}, 403, 'a method without an iam_action: refused');

# unsigned and badly signed
$r = http("$base/orders/17");
is($r->{status}, 401, 'unsigned: 401');
like($r->{headers}{'www-authenticate'} // '', qr/AWS4-HMAC-SHA256/, 'unsigned: WWW-Authenticate');

$r = curl_sigv4(%clerk, secret => 'wrong', url => "$base/orders/17");
is($r->{status}, 403, 'bad signature: 403');
$d = last_decision();
is($d->{authError}, 'SignatureDoesNotMatch', 'decision log: authError');
is($d->{decision}, '', 'decision log: no decision without authentication');

# dry run: decide and log, deny nothing
$r = curl_sigv4(%clerk, url => "$base/dry/99");
is($r->{status}, 200, 'iam_enforce off: a refused request passes');
is(last_decision()->{decision}, 'implicitDeny', 'iam_enforce off: the decision is logged');
like(error_log($t), qr/dry run/, 'iam_enforce off: the error log says it was a dry run');

check_error_log($t);

done_testing();
