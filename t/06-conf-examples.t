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
    system('cp', glob("$src/*.json"), glob("$src/*.keys"),
           glob("$src/*.secret"), "$dir/");
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

# --- sts-gateway ----------------------------------------------------------
SKIP: {
    my $e = example('sts-gateway', files => {
        'store/team/reports/q3.csv' => "quarter,revenue\n",
    });
    skip 'sts-gateway did not start', 7 unless $e->{ok};
    my $base = "http://127.0.0.1:$e->{ports}{PORT}";
    my %alice = (key => 'AKIAEXAMPLEALICE0001', secret => 'alice-example-secret');

    my $r = curl_sigv4(%alice, service => 'sts', method => 'POST',
                       args => ['-d', 'Action=AssumeRole&Version=2011-06-15'
                                . '&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freports-reader'
                                . '&RoleSessionName=example'],
                       url => "$base/sts/");
    is($r->{status}, 200, 'sts-gateway: alice assumes reports-reader') or diag($r->{body});
    my %c;
    @c{qw(key secret token)} = map { $r->{body} =~ m{<$_>([^<]+)</$_>} ? $1 : '' }
                               qw(AccessKeyId SecretAccessKey SessionToken);
    like($c{key}, qr/^ASIA[A-Z2-7]{16}$/, 'sts-gateway: temporary credentials');

    $r = curl_sigv4(key => $c{key}, secret => $c{secret},
                    args => ['-H', "x-amz-security-token: $c{token}"],
                    url => "$base/team/reports/q3.csv");
    is("$r->{status} $r->{body}", "200 quarter,revenue\n", 'sts-gateway: the role reads reports/');
    my $d = last_decision("$e->{dir}/decisions.log");
    is("$d->{principal} $d->{decision}",
       'arn:aws:sts::123456789012:assumed-role/reports-reader/example allowed',
       'sts-gateway: the decision log names the role session');

    is(curl_sigv4(key => $c{key}, secret => $c{secret},
                  args => ['-H', "x-amz-security-token: $c{token}"],
                  url => "$base/team/readme.txt")->{status}, 403,
       'sts-gateway: and nothing else');
    is(curl_sigv4(%alice, url => "$base/team/reports/q3.csv")->{status}, 403,
       'sts-gateway: alice herself has no S3 permissions');
    no_alerts('sts-gateway', $e->{dir});
}

# --- oidc-internal-api ----------------------------------------------------
SKIP: {
    my $jwt_js = "$root/t/clients/jwt.mjs";
    unless (`node --version 2>/dev/null` && -d "$root/t/node_modules/jose") {
        $covered{'oidc-internal-api'} = 1;      # not forgotten: said here
        # under make test (IAM_TEST_STRICT=1) a missing client fails
        fail('oidc-internal-api: required: node and t/node_modules/jose')
            if $ENV{IAM_TEST_STRICT};
        skip 'oidc-internal-api: node or t/node_modules/jose missing', 12;
    }

    # each issuer's keys, made by jose: the JWKS for nginx, the rest to sign
    my %keys;
    for my $issuer (qw(github eks)) {
        $keys{$issuer} = File::Temp::tempdir("ngx-iam-jwt-XXXXXX", TMPDIR => 1, CLEANUP => 1);
        system('node', $jwt_js, 'keys', $keys{$issuer}) == 0 or die 'jwt.mjs keys failed';
    }

    my $e = example('oidc-internal-api', files => {
        'jwks/github.json' => read_file("$keys{github}/jwks.json"),
        'jwks/eks.json' => read_file("$keys{eks}/jwks.json"),
    });
    skip 'oidc-internal-api did not start', 11 unless $e->{ok};
    my $base = "http://127.0.0.1:$e->{ports}{PORT}";

    my $now = time();
    my $gha = 'https://token.actions.githubusercontent.com';
    my $eks = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    my %t = (iat => $now - 5, nbf => $now - 5, exp => $now + 300, aud => 'sts.amazonaws.com');

    sub tokens {
        my ($dir, $specs) = @_;
        my $json = encode_json($specs);
        $json =~ s/'/'\\''/g;
        my $out = `echo '$json' | node $root/t/clients/jwt.mjs batch $dir`;
        return %{ decode_json($out) };
    }

    my %tok = (
        tokens($keys{github}, {
            prod  => { claims => { %t, iss => $gha, environment => 'production',
                                   sub => 'repo:octo-org/octo-repo:environment:production' } },
            stage => { claims => { %t, iss => $gha, environment => 'staging',
                                   sub => 'repo:octo-org/octo-repo:environment:staging' } },
            fork  => { claims => { %t, iss => $gha, environment => 'production',
                                   sub => 'repo:evil-org/octo-repo:environment:production' } },
        }),
        tokens($keys{eks}, {
            sa    => { alg => 'RS256', kid => 'RS256', header => { typ => undef },
                       claims => { %t, iss => $eks, sub => 'system:serviceaccount:monitoring:prometheus' } },
            other => { claims => { %t, iss => $eks, sub => 'system:serviceaccount:default:app' } },
            old   => { claims => { %t, iss => $eks, exp => $now - 120,
                                   sub => 'system:serviceaccount:monitoring:prometheus' } },
        }),
    );

    sub bearer { my ($tok, @a) = @_; return curl('-H', "Authorization: Bearer $tok", @a) }

    my $r = bearer($tok{prod}, '-X', 'POST', "$base/deploy/web");
    is("$r->{status} $r->{body}", "200 service: POST /deploy/web\n",
       'oidc-internal-api: a production workflow of octo-org/octo-repo releases');
    my $d = last_decision("$e->{dir}/decisions.log");
    is($d->{principal}, 'arn:aws:sts::123456789012:assumed-role/gha-deploy/'
                        . 'repo-octo-org-octo-repo-environment-production',
       'oidc-internal-api: as the role session');
    is(bearer($tok{stage}, '-X', 'POST', "$base/deploy/web")->{status}, 403,
       'oidc-internal-api: a staging workflow may not release');
    is(bearer($tok{stage}, "$base/deploy/web")->{status}, 200,
       'oidc-internal-api: but may describe');
    is(bearer($tok{fork}, "$base/deploy/web")->{status}, 403,
       'oidc-internal-api: another repository: the trust policy refuses');
    is(bearer($tok{sa}, "$base/metrics/requests_total")->{status}, 200,
       'oidc-internal-api: a monitoring service account reads metrics');
    is(bearer($tok{sa}, "$base/metrics/billing_total")->{status}, 403,
       'oidc-internal-api: but not billing_*');
    is(bearer($tok{other}, "$base/metrics/requests_total")->{status}, 403,
       'oidc-internal-api: a service account of another namespace is refused');
    is(bearer($tok{sa}, "$base/deploy/web")->{status}, 403,
       'oidc-internal-api: a cluster token cannot assume the GitHub role');
    $r = bearer($tok{old}, "$base/metrics/requests_total");
    is("$r->{status} $r->{headers}{'www-authenticate'}", '401 Bearer error="invalid_token"',
       'oidc-internal-api: an expired token: 401 invalid_token');
    no_alerts('oidc-internal-api', $e->{dir});
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
