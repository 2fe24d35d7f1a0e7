#!/usr/bin/perl
# The examples can't rot: each conf-examples/*/nginx.conf runs as it is
# (placeholders filled, its own load_module), gets allowed and refused
# requests; its JSON files pass iamctl validate; and `make demo`
# (conf-examples/demo.sh) exits 0.

use strict;
use warnings;
use Test::More;
use File::Temp ();
use File::Path qw(make_path);
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;

my $root = root_dir();
my $nginx = $ENV{NGINX_BIN} || '/usr/sbin/nginx';

for my $file (glob("$root/conf-examples/*/*.json")) {
    my $out = `$root/build/iamctl validate $file 2>&1`;
    is($? >> 8, 0, 'iamctl validate ' . substr($file, length "$root/")) or diag($out);
}

# every example has been loaded below
my %covered;
my @started;

# example(NAME, files => {path => text}, setup => sub { my ($dir) = @_ })
# Copies the example's JSON files into a temp dir, fills @MODULE@, @PREFIX@
# and every @..._PORT@ (a free port each), starts `nginx -p DIR -c CONF`.
# Returns { dir, ports => {PORT => n, ...}, ok }.
sub example {
    my ($name, %a) = @_;
    my $src = "$root/conf-examples/$name";
    my $dir = File::Temp::tempdir("ngx-iam-example-XXXXXX", TMPDIR => 1, CLEANUP => !$ENV{KEEP});
    chmod 0755, $dir;
    make_path("$dir/tmp");
    system('cp', glob("$src/*.json"), glob("$src/*.secret"), "$dir/");
    my $conf = read_file("$src/nginx.conf");
    my %vars = (PREFIX => $dir, MODULE => "$root/build/ngx_http_iam_module.so");
    my %ports;
    $ports{$_} //= free_port() for $conf =~ /\@(\w*PORT)\@/g;
    %vars = (%vars, %ports);
    $conf =~ s/\@(\w+)\@/$vars{$1} \/\/ die "$name: no value for \@$1\@"/ge;
    write_file("$dir/nginx.conf", $conf);
    for my $path (keys %{ $a{files} || {} }) {
        (my $parent = "$dir/$path") =~ s{/[^/]+$}{};
        make_path($parent);
        write_file("$dir/$path", $a{files}{$path});
    }
    $a{setup}->($dir) if $a{setup};
    system('chmod', '-R', 'a+rwX', $dir);   # workers run as nobody under root
    my $out = `$nginx -p $dir -c $dir/nginx.conf 2>&1`;
    my $ok = is($? >> 8, 0, "$name: nginx starts with the example as it is");
    diag($out) unless $ok;
    push @started, $dir if $ok;
    wait_for_port($_) for values %ports;
    $covered{$name} = 1;
    return { dir => $dir, ports => \%ports, ok => $ok };
}

END {
    for my $dir (@started) {
        my $pid = read_file("$dir/nginx.pid");
        chomp $pid;
        next unless $pid;
        kill 'QUIT', $pid;
        for (1 .. 30) { last unless kill 0, $pid; select(undef, undef, undef, 0.1) }
    }
}

sub no_alerts {
    my ($name, $dir) = @_;
    my @bad = grep { /\[(alert|crit|emerg)\]/ } split /\n/, read_file("$dir/error.log");
    ok(!@bad, "$name: error.log has no alert/crit/emerg lines") or diag(join "\n", @bad);
}

sub last_decision {
    my ($file) = @_;
    select(undef, undef, undef, 0.1);   # the log phase runs after the response
    my @lines = grep { /\S/ } split /\n/, read_file($file);
    return @lines ? decode_json($lines[-1]) : {};
}

# --- s3-gateway -----------------------------------------------------------
SKIP: {
    my $e = example('s3-gateway', files => {
        'store/team/readme.txt' => "welcome\n",
        'store/team/secret/keys.txt' => "hunter2\n",
        'store/team/reports/q3.csv' => "quarter,revenue\n",
    });
    skip 's3-gateway did not start', 11 unless $e->{ok};
    my $base = "http://127.0.0.1:$e->{ports}{PORT}";
    my %alice = (key => 'AKIAEXAMPLEALICE0001', secret => 'alice-example-secret');
    my %auditor = (key => 'AKIAEXAMPLEAUDITOR01', secret => 'auditor-example-secret');

    my $r = curl_sigv4(%alice, url => "$base/team/readme.txt");
    is("$r->{status} $r->{body}", "200 welcome\n", 's3-gateway: alice reads the team bucket');
    my $d = last_decision("$e->{dir}/decisions.log");
    is(join(' ', @$d{qw(principal action resource decision statement)}),
       'arn:aws:iam::123456789012:user/alice s3:GetObject arn:aws:s3:::team/readme.txt allowed ReadTeamBucket/ReadTeamBucket',
       's3-gateway: the decision log record');

    $r = curl_sigv4(%alice, method => 'PUT', url => "$base/team/home/alice/n.txt",
                    args => ['--data-binary', 'note']);
    is($r->{status}, 201, 's3-gateway: alice writes her own prefix');
    is(read_file("$e->{dir}/store/team/home/alice/n.txt"), 'note', 's3-gateway: the store has it');

    $r = curl_sigv4(%alice, url => "$base/team/secret/keys.txt");
    like("$r->{status} $r->{body}", qr{^403 .*<Code>AccessDenied</Code>}s, 's3-gateway: secret/ refused');
    $d = last_decision("$e->{dir}/decisions.log");
    is("$d->{decision} $d->{statement}", 'explicitDeny NoSecrets/DenySecrets',
       's3-gateway: the explicit deny is logged with its statement');

    is(curl_sigv4(%auditor, url => "$base/team/reports/q3.csv")->{status}, 200,
       's3-gateway: the bucket policy lets the auditor read reports/');
    is(curl_sigv4(%auditor, url => "$base/team/readme.txt")->{status}, 403,
       's3-gateway: and nothing else');
    $r = http("$base/team/readme.txt");
    is($r->{status}, 403, 's3-gateway: unsigned refused');
    # what the gateway forwarded was re-signed: the store checks signatures
    is(http("http://127.0.0.1:$e->{ports}{UPSTREAM_PORT}/team/readme.txt")->{status}, 403,
       's3-gateway: the store itself refuses what is not signed');
    no_alerts('s3-gateway', $e->{dir});
}

# --- internal-api ---------------------------------------------------------
SKIP: {
    my $e = example('internal-api');
    skip 'internal-api did not start', 9 unless $e->{ok};
    my $base = "http://127.0.0.1:$e->{ports}{PORT}";
    my %desk = (key => 'AKIAEXAMPLEDESK00001', secret => 'desk-example-secret',
                region => 'eu-west-1', service => 'orders');

    my $r = curl_sigv4(%desk, url => "$base/orders/42");
    is("$r->{status} $r->{body}", "200 order service: GET /orders/42\n", 'internal-api: GetOrder allowed, reaches the service');
    my $d = last_decision("$e->{dir}/decisions.log");
    is("$d->{action} $d->{resource}", 'orders:GetOrder arn:app:orders:eu-west-1:123456789012:order/42',
       'internal-api: the named capture is in the resource');

    $r = curl_sigv4(%desk, method => 'PUT', url => "$base/orders/42",
                    args => ['-H', 'X-Region: emea', '--data-binary', 'qty=1']);
    is($r->{status}, 200, "internal-api: UpdateOrder with app:Region = the principal tag");
    $r = curl_sigv4(%desk, method => 'PUT', url => "$base/orders/42",
                    args => ['-H', 'X-Region: apac', '--data-binary', 'qty=1']);
    is($r->{status}, 403, 'internal-api: UpdateOrder in another region refused');
    like($r->{body}, qr/"error":"AccessDenied"/, 'internal-api: JSON error body');
    $r = curl_sigv4(%desk, method => 'PUT', url => "$base/orders/42", args => ['--data-binary', 'qty=1']);
    is($r->{status}, 403, 'internal-api: UpdateOrder without X-Region (key absent) refused');

    is(curl_sigv4(%desk, url => "$base/customers/acme/orders")->{status}, 200,
       'internal-api: ListOrders for a customer');
    is(curl_sigv4(%desk, url => "$base/customers/vip-bigco/orders")->{status}, 403,
       'internal-api: the explicit deny on vip-* customers');
    is(curl_sigv4(%desk, method => 'DELETE', url => "$base/orders/42")->{status}, 403,
       'internal-api: a method without an iam_action rule is refused');
    $r = http("$base/orders/42");
    is($r->{status}, 401, 'internal-api: unsigned: 401 MissingAuthenticationToken');
    no_alerts('internal-api', $e->{dir});
}

# --- edge-tls-realip ------------------------------------------------------
SKIP: {
    my $e = example('edge-tls-realip', files => { 'html/site/index.html' => "site\n" },
        setup => sub {
            my ($dir) = @_;
            system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 "
                   . "-keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1");
        });
    skip 'edge-tls-realip did not start', 6 unless $e->{ok};
    my %editor = (key => 'AKIAEXAMPLEEDITOR001', secret => 'editor-example-secret');
    my $tls = "https://127.0.0.1:$e->{ports}{TLS_PORT}/site/index.html";
    my $plain = "http://127.0.0.1:$e->{ports}{PORT}/site/index.html";

    my $r = curl_sigv4(%editor, url => $tls, args => ['-k', '-H', 'X-Forwarded-For: 192.0.2.10']);
    is("$r->{status} $r->{body}", "200 site\n", 'edge: TLS from the office network (via the trusted proxy)');
    my $d = last_decision("$e->{dir}/decisions.log");
    is("$d->{clientIp} $d->{tls}", '192.0.2.10 on', 'edge: the decision log has the realip address and TLS');
    is(curl_sigv4(%editor, url => $tls, args => ['-k', '-H', 'X-Forwarded-For: 198.51.100.7'])->{status},
       403, 'edge: TLS from outside the office refused (aws:SourceIp)');
    is(curl_sigv4(%editor, url => $tls, args => ['-k'])->{status},
       403, 'edge: no X-Forwarded-For: the proxy itself is not the office');
    $r = curl_sigv4(%editor, url => $plain, args => ['-H', 'X-Forwarded-For: 192.0.2.10']);
    is($r->{status}, 403, 'edge: plain HTTP refused (aws:SecureTransport)');
    $d = last_decision("$e->{dir}/decisions.log");
    is("$d->{decision} $d->{statement}", 'explicitDeny TlsOnly/DenyPlainHttp', 'edge: by the TLS guardrail');
    no_alerts('edge-tls-realip', $e->{dir});
}

my @all = map { m{/([^/]+)/nginx\.conf$} } glob("$root/conf-examples/*/nginx.conf");
is_deeply([grep { !$covered{$_} } @all], [], 'every conf-examples/*/nginx.conf is exercised');

# --- make demo ------------------------------------------------------------
{
    my $out = `bash $root/conf-examples/demo.sh 2>&1`;
    is($? >> 8, 0, 'demo.sh exits 0: every request decided as expected') or diag($out);
    like($out, qr/^ok 200 .*alice .*s3:GetObject .*allowed \(ReadTeamBucket\/ReadTeamBucket\)/m,
         'demo.sh: a line with the status and the decision-log record');
    like($out, qr/^ok 403 .*explicitDeny \(NoSecrets\/DenySecrets\) \[AccessDenied\]/m,
         'demo.sh: the forbidden prefix and its statement');
    like($out, qr/^ok 403 .*SignatureDoesNotMatch/m, 'demo.sh: the bad signature');
    unlike($out, qr/^!!/m, 'demo.sh: no unexpected outcome');
}

done_testing();
