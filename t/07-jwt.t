#!/usr/bin/perl
# OIDC JWTs at the edge: tokens signed by npm jose (t/clients/jwt.mjs) meet
# iam_oidc_provider, a role's trust policy (the GitHub Actions one from the
# AWS docs, unchanged) and the role's policies.  Each refusal is checked for
# its status, the WWW-Authenticate challenge and its one error-log line.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use IamTest;
use File::Temp qw(tempdir);

# under make test (IAM_TEST_STRICT=1) a missing client fails, never skips
unless (`node --version 2>/dev/null` && -d "$FindBin::Bin/node_modules/jose") {
    plan skip_all => 'node or t/node_modules/jose missing (run make deps)'
        unless $ENV{IAM_TEST_STRICT};
    fail('required for this test: node and t/node_modules/jose (make deps)');
    done_testing();
    exit;
}

my ($port, $upstream) = (free_port(), free_port());
my $jwt_js = "$FindBin::Bin/clients/jwt.mjs";
my $now = time();
my $gha = 'https://token.actions.githubusercontent.com';

my $account = <<'JSON';
{
  "account": "123456789012",
  "policies": {
    "Deploy": {
      "Version": "2012-10-17",
      "Statement": [
        { "Sid": "Read", "Effect": "Allow", "Action": "api:Get", "Resource": "*" },
        { "Sid": "ProductionOnly", "Effect": "Allow", "Action": "api:Put", "Resource": "*",
          "Condition": { "StringEquals": {
              "token.actions.githubusercontent.com:environment": "production" } } },
        { "Sid": "OwnerPrefix", "Effect": "Allow", "Action": "api:Patch",
          "Resource": "arn:app:api:::thing/${token.actions.githubusercontent.com:repository_owner}/*" },
        { "Sid": "TeamPrefix", "Effect": "Allow", "Action": "api:Delete",
          "Resource": "arn:app:api:::thing/${aws:PrincipalTag/team}/*" }
      ]
    }
  },
  "roles": {
    "gha-deploy": {
      "trust": {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Effect": "Allow",
            "Principal": {
              "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
              "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
              },
              "StringLike": {
                "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:*"
              }
            }
          },
          {
            "Effect": "Allow",
            "Principal": {
              "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
            },
            "Action": "sts:TagSession"
          }
        ]
      },
      "policies": ["Deploy"],
      "max_session_seconds": 3600
    },
    "other": {
      "trust": {
        "Version": "2012-10-17",
        "Statement": [ { "Effect": "Allow",
                         "Principal": { "AWS": "arn:aws:iam::123456789012:root" },
                         "Action": "sts:AssumeRole" } ]
      },
      "policies": ["Deploy"]
    }
  }
}
JSON

# keys of every alg, made by jose; the JWKS goes to nginx, the private
# keys stay here to sign with
my $keys = tempdir('ngx-iam-jwt-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('node', $jwt_js, 'keys', $keys) == 0 or BAIL_OUT('jwt.mjs keys failed');
my $new_keys = tempdir('ngx-iam-jwt-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('node', $jwt_js, 'keys', $new_keys) == 0 or BAIL_OUT('jwt.mjs keys failed');

my $t = nginx_start(ports => [$port, $upstream], files => {
    'account.json' => $account,
    'keys/jwks.json' => read_file("$keys/jwks.json"),
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    iam_oidc_provider $gha jwks=\@DIR\@/keys/jwks.json
                      audience=sts.amazonaws.com refresh=1s;

    log_format iam escape=json
        '{"principal":"\$iam_principal","action":"\$iam_action",'
        '"decision":"\$iam_decision","statement":"\$iam_statement",'
        '"authError":"\$iam_auth_error","status":\$status}';

    server {
        listen 127.0.0.1:$port;
        access_log \@DIR\@/decisions.log iam;

        location ~ ^/api/(?<thing>.+)\$ {
            iam on;
            iam_auth jwt;
            iam_role gha-deploy;
            iam_action GET api:Get;
            iam_action PUT api:Put;
            iam_action DELETE api:Delete;
            iam_action PATCH api:Patch;
            iam_resource "arn:app:api:::thing/\$thing";
            proxy_pass http://127.0.0.1:$upstream;
        }

        location /both/ {
            iam on;
            iam_auth sigv4 jwt;
            iam_role_header X-Iam-Role;
            iam_action GET api:Get;
            iam_resource "arn:app:api:::thing/both";
            proxy_pass http://127.0.0.1:$upstream;
        }
    }

    server {
        listen 127.0.0.1:$upstream;
        access_log off;
        location / { return 200 "ok\\n"; }
    }
HTTP

BAIL_OUT("nginx did not start: $t->{failed}") if $t->{failed};

# runs jwt.mjs with input on its stdin, returns its output
sub node {
    my ($input, @args) = @_;
    my $cmd = join ' ', 'node', $jwt_js, map { "'$_'" } @args;
    open(my $fh, '|-', "$cmd > $t->{dir}/node.out") or die "node: $!";
    print $fh $input;
    close $fh or die "jwt.mjs failed: $?";
    return read_file("$t->{dir}/node.out");
}

my $base = "http://127.0.0.1:$port";
my %claims = (iss => $gha, aud => 'sts.amazonaws.com',
              sub => 'repo:octo-org/octo-repo:ref:refs/heads/main',
              environment => 'production', ref => 'refs/heads/main',
              repository_owner => 'octo-org',
              iat => $now - 10, nbf => $now - 10, exp => $now + 600);

sub with { return { %claims, @_ } }

# every token of the test from one node run: jose signs them
my %specs = (
    rs256        => { alg => 'RS256', claims => with() },
    es256        => { alg => 'ES256', claims => with() },
    eddsa        => { alg => 'EdDSA', claims => with() },
    ps384        => { alg => 'PS384', claims => with() },
    staging      => { claims => with(environment => 'staging') },
    feature      => { claims => with(sub => 'repo:octo-org/octo-repo:ref:refs/heads/feature') },
    tagged       => { claims => with('https://aws.amazon.com/tags' =>
                          { principal_tags => { team => ['blue'] } }) },
    expired      => { claims => with(iat => $now - 1000, nbf => $now - 1000,
                                     exp => $now - 100) },
    old          => { claims => with(iat => $now - 7200, nbf => $now - 7200) },
    wrong_aud    => { claims => with(aud => 'https://example.com') },
    wrong_iss    => { claims => with(iss => 'https://evil.example') },
    alg_none     => { attack => 'none', claims => with() },
    hs256        => { attack => 'hs256-pubkey', claims => with() },
    unknown_kid  => { kid => 'rotated-away', claims => with() },
    jku          => { header => { jku => 'https://evil.example/jwks.json' },
                      claims => with() },
    tampered     => { attack => 'tamper', claims => with(),
                      tamper => { sub => 'repo:octo-org/octo-repo:ref:refs/heads/main',
                                  environment => 'production', extra => 'x' } },
    wrong_repo   => { claims => with(sub => 'repo:evil-org/octo-repo:ref:refs/heads/main') },
    dup_claim    => { attack => 'dup-claim',
                      claims => with(sub => 'repo:evil-org/x:ref:refs/heads/main') },
);

my $out = node(encode_json(\%specs), 'batch', $keys);
my %tok = %{ decode_json($out) };
is(scalar(keys %tok), scalar(keys %specs), 'jose signed every token');

my %new = %{ decode_json(node(encode_json({
    rotated => { alg => 'ES256', kid => 'rotated', claims => with() } }),
    'batch', $new_keys)) };

sub last_decision {
    my @lines = split /\n/, read_file("$t->{dir}/decisions.log");
    return $lines[-1] ? decode_json($lines[-1]) : {};
}

sub bearer {
    my ($token, $path, @extra) = @_;
    return curl('-H', "Authorization: Bearer $token", @extra,
                "$base" . ($path // '/api/widget'));
}

my $session = 'arn:aws:sts::123456789012:assumed-role/gha-deploy/'
            . 'repo-octo-org-octo-repo-ref-refs-heads-main';

# accepted: each algorithm, the GitHub Actions trust policy as written

for my $alg (qw(rs256 es256 eddsa ps384)) {
    my $r = bearer($tok{$alg});
    is($r->{status}, 200, "valid \U$alg\E token: 200");
}

my $d = last_decision();
is($d->{principal}, $session, 'the principal is the role session, named from sub');
is($d->{action}, 'api:Get', 'decision log: action');
is($d->{statement}, 'Deploy/Read', 'decision log: the deciding statement');

is(bearer($tok{rs256})->{status}, 200, 'the same token again (cached): 200');

# token claims as condition keys in the role's policies
is(bearer($tok{rs256}, '/api/widget', '-X', 'PUT')->{status}, 200,
   'PUT with environment=production: 200 (claim as condition key)');
my $r = bearer($tok{staging}, '/api/widget', '-X', 'PUT');
is($r->{status}, 403, 'PUT with environment=staging: 403');
is(last_decision()->{decision}, 'implicitDeny', 'environment=staging: implicitDeny');

# and as policy variables
is(bearer($tok{rs256}, '/api/octo-org/x', '-X', 'PATCH')->{status}, 200,
   '${token.actions.githubusercontent.com:repository_owner} allows thing/octo-org/*');
is(bearer($tok{rs256}, '/api/other-org/x', '-X', 'PATCH')->{status}, 403,
   'and not thing/other-org/*');

# session tags from https://aws.amazon.com/tags as aws:PrincipalTag
is(bearer($tok{tagged}, '/api/blue/x', '-X', 'DELETE')->{status}, 200,
   'session tag team=blue: ${aws:PrincipalTag/team} allows thing/blue/*');
is(bearer($tok{tagged}, '/api/red/x', '-X', 'DELETE')->{status}, 403,
   'session tag team=blue: thing/red/* refused');
is(bearer($tok{rs256}, '/api/blue/x', '-X', 'DELETE')->{status}, 403,
   'no session tags: no ${aws:PrincipalTag/team}');

# the trust policy decides who may assume the role

my $mark = length(error_log($t));
$r = bearer($tok{feature});
is($r->{status}, 200, 'another branch of octo-org/octo-repo: StringLike repo:octo-org/octo-repo:*');

$r = bearer($tok{wrong_repo});
is($r->{status}, 403, 'a token of another repo: 403');
is((eval { decode_json($r->{body}) } // {})->{error}, 'AccessDenied', 'wrong repo: AccessDenied');
my @lines = grep { /iam:/ } split /\n/, error_log_since($t, $mark);
is(scalar(@lines), 1, 'wrong repo: one error-log line');
like($lines[0] // '', qr/\[error\].*trust policy of role "gha-deploy" does not allow "\Q$gha\E".*subject "repo:evil-org/,
     'wrong repo: the line names the role, the issuer and the subject');

# refused tokens: 401, the RFC 6750 challenge, one clear line

my @refused = (
    [ expired     => qr/token expired/ ],
    [ old         => qr/older than|issued 7\d+ seconds ago/ ],
    [ wrong_aud   => qr/audience/ ],
    [ wrong_iss   => qr/issuer "https:\/\/evil\.example" is not an "iam_oidc_provider"/ ],
    [ alg_none    => qr/alg "none" is refused/ ],
    [ hs256       => qr/alg "HS256" is refused/ ],
    [ unknown_kid => qr/no key of ".*jwks\.json" for kid "rotated-away"/ ],
    [ jku         => qr/header "jku" is refused/ ],
    [ tampered    => qr/signature verification failed/ ],
    [ dup_claim   => qr/duplicate object key/ ],
);

for my $case (@refused) {
    my ($name, $why) = @$case;

    $mark = length(error_log($t));
    $r = bearer($tok{$name});

    is($r->{status}, 401, "$name: 401");
    is($r->{headers}{'www-authenticate'} // '', 'Bearer error="invalid_token"',
       "$name: WWW-Authenticate: Bearer error=\"invalid_token\"");
    is((eval { decode_json($r->{body}) } // {})->{error}, 'InvalidIdentityToken',
       "$name: InvalidIdentityToken");

    @lines = grep { /iam:/ } split /\n/, error_log_since($t, $mark);
    is(scalar(@lines), 1, "$name: one error-log line");
    like($lines[0] // '', qr/\[error\].*iam: InvalidIdentityToken: .*$why/,
         "$name: the line says why");
}

is(last_decision()->{authError}, 'InvalidIdentityToken', 'decision log: authError');

# garbage in the header
$r = curl('-H', 'Authorization: Bearer not.a.jwt', "$base/api/widget");
is($r->{status}, 401, 'a malformed token: 401');

# no token at all
$r = curl("$base/api/widget");
is($r->{status}, 401, 'no token: 401');
is($r->{headers}{'www-authenticate'} // '', 'Bearer', 'no token: WWW-Authenticate: Bearer');

# key rotation: a new key in the JWKS file, no reload

my $jwks = decode_json(read_file("$t->{dir}/keys/jwks.json"));
my ($es) = grep { $_->{kid} eq 'ES256' } @{ decode_json(read_file("$new_keys/jwks.json"))->{keys} };
$es->{kid} = 'rotated';
push @{ $jwks->{keys} }, $es;
write_file("$t->{dir}/keys/jwks.json.new", encode_json($jwks));
rename "$t->{dir}/keys/jwks.json.new", "$t->{dir}/keys/jwks.json";

# the file is looked at once a second, an unknown kid forces a look at most
# once per refresh= (1s here): let a second pass
select(undef, undef, undef, 1.1);

$mark = length(error_log($t));
is(bearer($new{rotated})->{status}, 200, 'a token of a key added to the file: 200 without reload');
like(error_log_since($t, $mark), qr/JWKS ".*jwks\.json" re-read: 11 keys/,
     'the JWKS was re-read once');
is(bearer($tok{rs256})->{status}, 200, 'the old keys still verify');

# a location accepting both, the role from a header

is(bearer($tok{rs256}, '/both/x', '-H', 'X-Iam-Role: gha-deploy')->{status}, 200,
   'sigv4 jwt location, role from X-Iam-Role: 200');
is(bearer($tok{rs256}, '/both/x', '-H',
          'X-Iam-Role: arn:aws:iam::123456789012:role/gha-deploy')->{status}, 200,
   'role header with the role ARN: 200');
$r = bearer($tok{rs256}, '/both/x', '-H', 'X-Iam-Role: other');
is($r->{status}, 403, 'a role that does not trust the provider: 403');
$r = bearer($tok{rs256}, '/both/x');
is($r->{status}, 403, 'no role header and no iam_role: 403');
$r = bearer($tok{rs256}, '/both/x?X-Amz-Signature=00&X-Amz-Credential=x', '-H',
            'X-Iam-Role: gha-deploy');
is($r->{status}, 400, 'a bearer token and SigV4 query credentials: 400');
$r = curl("$base/both/x");
is($r->{status}, 401, 'neither: 401');

# configuration mistakes: nginx -t fails and says where

my $good_jwks = read_file("$keys/jwks.json");
my $dup = decode_json($good_jwks);
$dup->{keys}[1]{kid} = $dup->{keys}[0]{kid};
my $dup_text = "{\n  \"keys\": [\n"
             . join(",\n", map { '    ' . JSON::PP->new->canonical->encode($_) } @{ $dup->{keys} })
             . "\n  ]\n}\n";

for my $c (
    [ "iam_oidc_provider $gha jwks=\@DIR\@/dup.json;",
      qr/dup\.json:4:5: keys\[1\]: duplicate kid "RS256"/, 'a JWKS with a duplicate kid' ],
    [ "iam_oidc_provider $gha jwks=\@DIR\@/missing.json;",
      qr/missing\.json/, 'a missing JWKS' ],
    [ "iam_oidc_provider $gha audience=x;",
      qr/"iam_oidc_provider" requires "jwks="/, 'no jwks=' ],
    [ "iam_oidc_provider http://insecure.example jwks=\@DIR\@/jwks.json;",
      qr/invalid issuer "http:\/\/insecure\.example", it must be an https URL/, 'an http issuer' ],
    [ "iam_oidc_provider $gha jwks=\@DIR\@/jwks.json colour=blue;",
      qr/invalid parameter "colour=blue"/, 'an unknown parameter' ],
    [ "iam_oidc_provider $gha jwks=\@DIR\@/jwks.json;\n"
      . "    iam_oidc_provider $gha jwks=\@DIR\@/jwks.json;",
      qr/duplicate issuer/, 'the same issuer twice' ],
) {
    my ($directive, $want, $name) = @$c;
    my ($rc, $out) = nginx_test_config(files => {
        'account.json' => $account, 'jwks.json' => $good_jwks, 'dup.json' => $dup_text,
    }, http => "    iam_account \@DIR\@/account.json;\n    $directive\n");
    isnt($rc, 0, "nginx -t fails: $name");
    like($out, qr/\[emerg\].*$want/, "nginx -t says why: $name") or diag($out);
}

check_error_log($t);

done_testing();
