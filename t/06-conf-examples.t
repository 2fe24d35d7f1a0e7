#!/usr/bin/perl
# The examples can't rot: `make demo` runs the S3 gateway example with curl
# and the AWS CLI and fails on any unexpected decision; each example's files
# pass iamctl validate.

use strict;
use warnings;
use Test::More;
use File::Temp ();
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $root = root_dir();

for my $file (glob("$root/conf-examples/*/account.json"),
              glob("$root/conf-examples/*/*-policy.json"))
{
    my $out = `$root/build/iamctl validate $file 2>&1`;
    is($? >> 8, 0, "iamctl validate " . substr($file, length $root) )
        or diag($out);
}

SKIP: {
    skip 'the AWS CLI is not installed', 3 unless -x '/usr/bin/aws' || grep { -x "$_/aws" } split /:/, $ENV{PATH};

    my $out = `bash $root/conf-examples/demo.sh 2>&1`;
    is($? >> 8, 0, 'demo.sh: every request decided as expected') or diag($out);
    like($out, qr/alice uploads team\/home\/alice\/notes\.txt \(aws s3 cp\)\s+ok/,
         'demo.sh: the AWS CLI uploads through the gateway');
    like($out, qr/explicitDeny\s+by NoSecrets\/DenySecrets/,
         'demo.sh: the deciding statement is shown');
}

# start an example as it is: a complete nginx.conf with its own load_module
my @started;

sub start_example {
    my ($name, %vars) = @_;
    my $dir = File::Temp::tempdir('ngx-iam-example-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    mkdir "$dir/$_" for qw(tmp html html/site);
    system('cp', "$root/conf-examples/$name/account.json", "$dir/");
    my $conf = read_file("$root/conf-examples/$name/nginx.conf");
    $vars{PREFIX} = $dir;
    $vars{MODULE} = "$root/build/ngx_http_iam_module.so";
    $conf =~ s/\@(\w+)\@/$vars{$1} \/\/ die "no value for \@$1\@"/ge;
    write_file("$dir/nginx.conf", $conf);
    return $dir if $vars{prepare_only};
    my $out = `/usr/sbin/nginx -p $dir -c $dir/nginx.conf 2>&1`;
    is($? >> 8, 0, "$name: nginx starts with the example") or diag($out);
    push @started, $dir;
    wait_for_port($vars{PORT});
    return $dir;
}

END {
    for my $dir (@started) {
        my $pid = read_file("$dir/nginx.pid");
        chomp $pid;
        kill 'QUIT', $pid if $pid;
    }
    sleep 1 if @started;
}

# internal-api
{
    my ($port, $up) = (free_port(), free_port());
    my $dir = start_example('internal-api', PORT => $port, UPSTREAM_PORT => $up);
    my %desk = (key => 'AKIAEXAMPLEDESK00001', secret => 'desk-example-secret',
                region => 'eu-west-1', service => 'orders');
    my $r = curl_sigv4(%desk, url => "http://127.0.0.1:$port/orders/42");
    is($r->{status}, 200, 'internal-api: GetOrder allowed');
    like($r->{body}, qr/order service: GET \/orders\/42/, 'internal-api: reached the service');
    $r = curl_sigv4(%desk, method => 'PUT', url => "http://127.0.0.1:$port/orders/42",
                    args => ['-H', 'X-Region: emea', '--data-binary', 'qty=1']);
    is($r->{status}, 200, 'internal-api: UpdateOrder in the principal tag\'s region');
    $r = curl_sigv4(%desk, method => 'PUT', url => "http://127.0.0.1:$port/orders/42",
                    args => ['-H', 'X-Region: apac', '--data-binary', 'qty=1']);
    is($r->{status}, 403, 'internal-api: UpdateOrder in another region refused');
}

# edge-tls-realip
{
    my ($port, $tls) = (free_port(), free_port());
    my $dir = start_example('edge-tls-realip', PORT => $port, TLS_PORT => $tls,
                            prepare_only => 1);
    system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 "
           . "-keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1");
    write_file("$dir/html/site/index.html", "site\n");
    system('chmod', '-R', 'a+rX', $dir);
    my $out = `/usr/sbin/nginx -p $dir -c $dir/nginx.conf 2>&1`;
    is($? >> 8, 0, 'edge-tls-realip: nginx starts with the example') or diag($out);
    push @started, $dir;
    wait_for_port($tls);

    my %editor = (key => 'AKIAEXAMPLEEDITOR001', secret => 'editor-example-secret');
    my $url = "https://127.0.0.1:$tls/site/index.html";
    is(curl_sigv4(%editor, url => $url, args => ['-k', '-H', 'X-Forwarded-For: 192.0.2.10'])->{status},
       200, 'edge: TLS from the office network (via the trusted proxy)');
    is(curl_sigv4(%editor, url => $url, args => ['-k', '-H', 'X-Forwarded-For: 198.51.100.7'])->{status},
       403, 'edge: TLS from elsewhere refused');
    is(curl_sigv4(%editor, url => "http://127.0.0.1:$port/site/index.html",
                  args => ['-H', 'X-Forwarded-For: 192.0.2.10'])->{status},
       403, 'edge: plain HTTP refused by aws:SecureTransport');
}

done_testing();
