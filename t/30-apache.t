#!/usr/bin/perl

# mod_iam in a real Apache httpd (its own ServerRoot, a free loopback port,
# never the system service): SigV4 with curl --aws-sigv4 and the AWS CLI,
# the S3 mapping and a custom API (IAMAction, IAMResource with ap_expr),
# condition keys (aws:SourceIp through mod_remoteip, aws:SecureTransport on a
# mod_ssl listener, aws:CurrentTime, principal tags, IAMConditionKey), a
# resource policy for anonymous requests, mod_dir's subrequest, the example
# conf-examples/s3-gateway/apache2.conf, S3 XML and JSON errors, Require iam in
# <RequireAll>/<RequireAny>, the decision as environment variables in a
# JSON LogFormat, configuration errors under "apache2 -t", a graceful
# restart that reloads the account file, and the same requests against the
# nginx module with the same account file: same status, same decision.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use IamSkip;

use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use Test::IamNginx qw(s3_error describe json_encode json_decode run_cmd
                      aws_cli repo_root);
use Test::IamSigV4 qw(sign_headers);

my $HTTPD  = $ENV{TEST_APACHE_BINARY} // '/usr/sbin/apache2';
my $MODS   = $ENV{TEST_APACHE_MODULES} // '/usr/lib/apache2/modules';
my $MODIAM = repo_root() . '/build/mod_iam.so';

plan skip_all => "no httpd binary at $HTTPD (make deps)" unless -x $HTTPD;
plan skip_all => "$MODIAM is not built (make)" unless -f $MODIAM;

my $t = Test::IamNginx->new(need => [qw(curl openssl)]);
my $d = $t->dir;

my %key = (
    alice => [ 'AKIAEXAMPLEALICE0001', 'alice-secret' ],
    old   => [ 'AKIAEXAMPLEALICEOLD1', 'alice-old-secret' ],
    bob   => [ 'AKIAEXAMPLEBOB000001', 'bob-secret' ],
    carol => [ 'AKIAEXAMPLECAROL0001', 'carol-secret' ],
    dave  => [ 'AKIAEXAMPLEDAVE00001', 'dave-secret' ],
    erin  => [ 'AKIAEXAMPLEERIN00001', 'erin-secret' ],
    frank => [ 'AKIAEXAMPLEFRANK0001', 'frank-secret' ],
    gina  => [ 'AKIAEXAMPLEGINA00001', 'gina-secret' ],
    clerk => [ 'AKIAEXAMPLECLERK0001', 'clerk-secret' ],
    nobody => [ 'AKIAEXAMPLEUNKNOWN01', 'nobody-secret' ],
);


# The shared fixture, plus a clerk of the orders API.
sub account {
    my (%extra) = @_;

    my $a = json_decode($t->read_file(repo_root() . '/t/data/account.json'))
        or BAIL_OUT('t/data/account.json is not JSON');

    $a->{policies}{Orders} = {
        Version   => '2012-10-17',
        Statement => [
            { Sid => 'ReadOrders', Effect => 'Allow',
              Action => [ 'orders:GetOrder', 'orders:UpdateOrder' ],
              Resource => 'arn:app:orders:eu-west-1:123456789012:order/*' },
            { Sid => 'NotSecret', Effect => 'Deny', Action => 'orders:*',
              Resource => 'arn:app:orders:eu-west-1:123456789012:order/secret'
            },
            { Sid => 'Frozen', Effect => 'Deny',
              Action => 'orders:UpdateOrder', Resource => '*',
              Condition => { StringEquals => { 'app:Tier' => 'frozen' } } },
        ],
    };
    $a->{users}{clerk} = {
        policies => [ 'Orders' ],
        access_keys => [ { id => $key{clerk}[0], secret => $key{clerk}[1] } ],
    };

    $extra{$_}->($a) for sort keys %extra;

    return json_encode($a);
}

$t->write_file('account.json', account());

$t->write_file('public-policy.json', json_encode({
    Version   => '2012-10-17',
    Statement => [
        { Sid => 'AnyoneReads', Effect => 'Allow', Principal => '*',
          Action => 's3:GetObject', Resource => 'arn:aws:s3:::public/*' },
    ],
}));

for my $f (qw(shared/a.txt shared/secret/x shared/home/alice/notes.txt
              shared/home/bob/notes.txt teams/storage/plan.txt
              teams/other/plan.txt shared/composed/c.txt shared/open/o.txt
              shared/nowhere/n.txt orders/o-1 orders/o-2 orders/secret
              public/p.txt shared/dir/index.html))
{
    $t->write_file("htdocs/$f", "content of $f\n");
}

system('chmod', '-R', 'a+rX', $d);


# ---------------------------------------------------------------- httpd

my $port = $t->port('httpd');
my $tls_port = $t->port('tls');

# a self-signed certificate for the TLS listener (aws:SecureTransport)
my $tls = run_cmd([ 'openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                    '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
                    '-keyout', "$d/tls.key", '-out', "$d/tls.crt" ],
                  timeout => 60);
is($tls->{rc}, 0, 'a test certificate') or diag($tls->{err});
chmod 0644, "$d/tls.key";

my $LOGFORMAT =
    'LogFormat "{\"status\":%>s,\"method\":\"%m\",\"uri\":\"%U\",'
  . '\"principal\":\"%{IAM_PRINCIPAL}e\",\"access_key\":\"%{IAM_ACCESS_KEY}e\",'
  . '\"action\":\"%{IAM_ACTION}e\",\"resource\":\"%{IAM_RESOURCE}e\",'
  . '\"decision\":\"%{IAM_DECISION}e\",\"statement\":\"%{IAM_STATEMENT}e\",'
  . '\"auth_error\":\"%{IAM_AUTH_ERROR}e\"}" iam_decisions';

my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';

sub httpd_conf {
    my ($body) = @_;

    return <<"EOF";
ServerRoot $d
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $d/httpd.pid
ErrorLog $d/httpd-error.log
LogLevel info
$user
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authn_core_module $MODS/mod_authn_core.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_host_module $MODS/mod_authz_host.so
LoadModule mime_module $MODS/mod_mime.so
LoadModule alias_module $MODS/mod_alias.so
LoadModule dir_module $MODS/mod_dir.so
LoadModule remoteip_module $MODS/mod_remoteip.so
LoadModule reflector_module $MODS/mod_reflector.so
LoadModule ssl_module $MODS/mod_ssl.so
LoadModule iam_module $MODIAM

TypesConfig /dev/null
DirectoryIndex index.html
DocumentRoot $d/htdocs
StartServers 1
ServerLimit 1
ThreadsPerChild 4
MaxRequestWorkers 4

$LOGFORMAT
CustomLog $d/httpd-decisions.log iam_decisions

RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1

# the same sections over TLS
Listen 127.0.0.1:$tls_port
<VirtualHost 127.0.0.1:$tls_port>
    SSLEngine on
    SSLCertificateFile $d/tls.crt
    SSLCertificateKeyFile $d/tls.key
</VirtualHost>

$body
EOF
}

my $SITE = <<"EOF";
IAMAccount $d/account.json

<Location "/">
    AuthType IAM
    IAMAuth sigv4
    IAMSigV4 region=us-east-1 service=s3
    IAMMapping s3
    Require iam
</Location>

# IAM must allow, and so must the network
<Location "/shared/composed/">
    <RequireAll>
        Require iam
        Require ip 127.0.0.1
    </RequireAll>
</Location>

# a section of its own for index files: mod_dir's subrequest for one
# goes through authentication again, with another URI than the one signed
<LocationMatch "/index\\.html\$">
    IAMSigV4 region=us-east-1 service=s3
</LocationMatch>

# a bucket policy lets anyone read
<Location "/public/">
    IAMResourcePolicy $d/public-policy.json
</Location>

# nobody is in 10.255.255.1: IAM is not even asked
<Location "/shared/nowhere/">
    <RequireAll>
        Require iam
        Require ip 10.255.255.1
    </RequireAll>
</Location>

# the network may let in what IAM does not
<Location "/shared/open/">
    <RequireAny>
        Require ip 127.0.0.1
        Require iam
    </RequireAny>
</Location>

<LocationMatch "^/orders/(?<order>[^/]+)\$">
    AuthType IAM
    IAMAuth sigv4
    IAMSigV4 region=eu-west-1 service=orders
    IAMAction GET orders:GetOrder
    IAMAction POST orders:UpdateOrder
    IAMResource "arn:app:orders:eu-west-1:123456789012:order/%{env:MATCH_ORDER}"
    IAMConditionKey app:Tier "%{HTTP:X-Tier}"
    # orders are files; POST echoes the body the handler reads
    <If "%{REQUEST_METHOD} == 'POST'">
        SetHandler reflector
    </If>
    Require iam
</LocationMatch>
EOF

$t->write_file('httpd.conf', httpd_conf($SITE));


sub httpd_pid {
    my $pid = $t->read_file('httpd.pid') // '';
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub httpd {
    my (@args) = @_;

    my $r = run_cmd([ $HTTPD, '-d', $d, @args ], timeout => 30,
                    env => { APACHE_LOG_DIR => $d });
    $r->{output} = $r->{out} . $r->{err};

    return $r;
}


my $httpd_main;

# stop httpd by its pid; a child that does not stop is killed
sub httpd_stop {
    my $pid = $httpd_main // return;
    my @children = split /\s+/, `pgrep -P $pid 2>/dev/null`;

    kill 'TERM', $pid;
    for (1 .. 200) { last unless kill 0, $pid; sleep 0.05 }

    for my $p (grep { /^\d+$/ } $pid, @children) {
        kill 'KILL', $p if kill 0, $p;
    }
    undef $httpd_main;
}

END { httpd_stop() }

{
    my $r = httpd('-t', '-f', "$d/httpd.conf");
    is($r->{rc}, 0, 'apache2 -t accepts the configuration')
        or diag($r->{output});

    $r = httpd('-k', 'start', '-f', "$d/httpd.conf");
    is($r->{rc}, 0, 'httpd starts') or diag($r->{output});

    my $deadline = time + 10;
    until (httpd_pid() && IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                                PeerPort => $port)) {
        if (time > $deadline) {
            fail('httpd listens');
            diag($t->read_file('httpd-error.log'));
            done_testing();
            exit 1;
        }
        sleep 0.05;
    }
    $httpd_main = httpd_pid();
}


# the decision log: wait for the line of the request just sent
my $seen = 0;

sub httpd_decision {
    my $deadline = time + 5;
    while (time < $deadline) {
        my @lines = split /\n/, ($t->read_file('httpd-decisions.log') // '');
        if (@lines > $seen) {
            $seen = @lines;
            return json_decode($lines[-1]) // { unparsable => $lines[-1] };
        }
        sleep 0.02;
    }
    return {};
}

sub req {
    my ($who, $path, %opt) = @_;

    my $r = $t->curl($path, port => $opt{server} // 'httpd',
        ($who ? (sigv4 => $opt{scope} // 'aws:amz:us-east-1:s3',
                 user => "$key{$who}[0]:$key{$who}[1]") : ()),
        %opt);

    $r->{decision} = ($opt{server} // 'httpd') eq 'httpd'
                   ? httpd_decision() : $t->last_decision($opt{mark});

    return $r;
}

sub s3_refused {
    my ($r, $status, $code, $name) = @_;

    is($r->{status}, $status, "$name: $status") or diag(describe($r));
    is((s3_error($r->{body}) // {})->{code}, $code, "$name: S3 $code")
        or diag(describe($r));
    like($r->{headers}{'content-type'} // '', qr{^application/xml},
         "$name: XML");
    unlike($r->{body}, qr/content of/, "$name: no object data");
}

sub json_refused {
    my ($r, $status, $code, $name) = @_;

    is($r->{status}, $status, "$name: $status") or diag(describe($r));
    like($r->{headers}{'content-type'} // '', qr{^application/json},
         "$name: JSON");
    is((json_decode($r->{body}) // {})->{error}, $code, "$name: $code")
        or diag(describe($r));
}


# ---------------------------------------------------------------- S3

my $r = req('alice', '/shared/a.txt');
is($r->{status}, 200, 'alice reads shared/a.txt') or diag(describe($r));
is($r->{body}, "content of shared/a.txt\n", 'the object');
is($r->{decision}{decision}, 'allowed', 'decision log: allowed');
is($r->{decision}{statement}, 'ReadShared/ReadShared',
   'decision log: the deciding statement');
is($r->{decision}{principal}, 'arn:aws:iam::123456789012:user/alice',
   'decision log: the principal');
is($r->{decision}{action}, 's3:GetObject', 'decision log: the action');
is($r->{decision}{resource}, 'arn:aws:s3:::shared/a.txt',
   'decision log: the resource');
is($r->{decision}{access_key}, $key{alice}[0], 'decision log: the key');

$r = req(undef, '/shared/a.txt');
s3_refused($r, 403, 'AccessDenied', 'unsigned');
is($r->{decision}{principal}, 'anonymous', 'unsigned: anonymous');
is($r->{decision}{decision}, 'implicitDeny', 'unsigned: implicitDeny');

$r = req('alice', '/shared/secret/x');
s3_refused($r, 403, 'AccessDenied', 'explicit deny');
is($r->{decision}{decision}, 'explicitDeny', 'explicit deny: decision');
is($r->{decision}{statement}, 'NoSecrets/DenySecrets',
   'explicit deny: the deciding statement');

# mod_dir's subrequest for the index: the client's request, authorized anew
$r = req('alice', '/shared/dir/');
is($r->{status}, 200, 'DirectoryIndex subrequest: allowed')
    or diag(describe($r));
is($r->{body}, "content of shared/dir/index.html\n",
   'DirectoryIndex subrequest: the index');
is($r->{decision}{resource}, 'arn:aws:s3:::shared/dir/index.html',
   'the decision log: the object served (mod_dir fast redirect)');

$r = req('alice', '/shared/secret/x', head => 1);
is($r->{status}, 403, 'HEAD refused: 403');
like($r->{headers}{'content-type'} // '', qr{^application/xml},
     'HEAD refused: XML content type');
unlike($r->{body}, qr/<Error>/, 'HEAD refused: no body');

$r = $t->curl('/shared/a.txt', port => 'httpd', sigv4 => 'aws:amz:us-east-1:s3',
              user => "$key{alice}[0]:not-the-secret");
httpd_decision();
s3_refused($r, 403, 'SignatureDoesNotMatch', 'wrong secret');

$r = req('nobody', '/shared/a.txt');
s3_refused($r, 403, 'InvalidAccessKeyId', 'unknown key');
is($r->{decision}{auth_error}, 'InvalidAccessKeyId',
   'unknown key: IAM_AUTH_ERROR');
is($r->{decision}{decision}, '', 'unknown key: no decision');

$r = req('old', '/shared/a.txt');
s3_refused($r, 403, 'InvalidAccessKeyId', 'inactive key');

$r = req('alice', '/shared/a.txt', scope => 'aws:amz:eu-west-1:s3');
s3_refused($r, 400, 'AuthorizationHeaderMalformed', 'wrong region');
is((s3_error($r->{body}) // {})->{region}, 'us-east-1',
   'wrong region: <Region> names the right one');

$r = req('alice', '/teams/storage/plan.txt');
is($r->{status}, 200, 'principal tag: own team') or diag(describe($r));
$r = req('alice', '/teams/other/plan.txt');
s3_refused($r, 403, 'AccessDenied', 'principal tag: other team');

# (httpd itself has no PUT handler here: 405 once IAM allowed it)
$r = req('alice', '/shared/home/alice/new.txt', method => 'PUT', data => 'x');
is($r->{decision}{decision}, 'allowed', '${aws:username}: own home')
    or diag(describe($r));
is($r->{decision}{statement}, 'HomeDir/OwnHome', '${aws:username}: OwnHome');
$r = req('alice', '/shared/home/bob/new.txt', method => 'PUT', data => 'x');
s3_refused($r, 403, 'AccessDenied', '${aws:username}: another home');

$r = req('bob', '/shared/home/bob/new.txt', method => 'PUT', data => 'x');
s3_refused($r, 403, 'AccessDenied', 'permissions boundary');
is($r->{decision}{action}, 's3:PutObject', 'boundary: s3:PutObject');

$r = req('dave', '/shared/a.txt');
s3_refused($r, 403, 'AccessDenied', 'aws:SourceIp from 127.0.0.1');
# a proxy in front adds X-Forwarded-For after the client signed: unsigned
sub behind_proxy {
    my ($who, $path, $xff) = @_;

    my %h = sign_headers(method => 'GET', url => $t->url($path, 'httpd'),
                         region => 'us-east-1', service => 's3',
                         key => $key{$who}[0], secret => $key{$who}[1]);
    my $r = $t->curl($path, port => 'httpd',
                     headers => [ (map { "$_: $h{$_}" } sort keys %h),
                                  "X-Forwarded-For: $xff" ]);
    $r->{decision} = httpd_decision();
    return $r;
}

$r = behind_proxy('dave', '/shared/a.txt', '10.9.1.2');
is($r->{status}, 200, 'aws:SourceIp from mod_remoteip (10.9.1.2)')
    or diag(describe($r));
$r = behind_proxy('dave', '/shared/a.txt', '10.8.1.2');
s3_refused($r, 403, 'AccessDenied', 'aws:SourceIp from mod_remoteip, out');

$r = req('erin', '/shared/a.txt');
s3_refused($r, 403, 'AccessDenied', 'aws:SecureTransport false');
is($r->{decision}{statement}, 'TlsOnly/DenyPlainHttp',
   'aws:SecureTransport: the deny decided');

$r = $t->curl($t->url('/shared/a.txt', 'tls', 'https'),
              sigv4 => 'aws:amz:us-east-1:s3',
              user => "$key{erin}[0]:$key{erin}[1]");
$r->{decision} = httpd_decision();
is($r->{status}, 200, 'aws:SecureTransport true over TLS (mod_ssl)')
    or diag(describe($r));
is($r->{decision}{statement}, 'TlsOnly/Read', 'over TLS: the allow decided');

$r = req('frank', '/shared/a.txt');
is($r->{status}, 200, 'aws:CurrentTime: this century') or diag(describe($r));
$r = req('gina', '/shared/a.txt');
s3_refused($r, 403, 'AccessDenied', 'aws:CurrentTime: last century');

$r = req('carol', '/shared/a.txt');
s3_refused($r, 403, 'AccessDenied', 'carol has no policy');


# ---------------------------------------------------------------- compose

$r = req('alice', '/shared/composed/c.txt');
is($r->{status}, 200, '<RequireAll>: IAM and the network allow')
    or diag(describe($r));
is($r->{decision}{decision}, 'allowed', '<RequireAll>: IAM said allowed');

$r = req(undef, '/shared/composed/c.txt');
s3_refused($r, 403, 'AccessDenied', '<RequireAll>: IAM refuses anonymous');

$r = req('alice', '/shared/nowhere/n.txt');
isnt($r->{status}, 200, '<RequireAll>: the network refuses')
    or diag(describe($r));

$r = req(undef, '/public/p.txt');
is($r->{status}, 200, 'IAMResourcePolicy: anyone reads') or diag(describe($r));
is($r->{decision}{principal}, 'anonymous', 'IAMResourcePolicy: anonymous');
is($r->{decision}{decision}, 'allowed', 'IAMResourcePolicy: allowed');

$r = req(undef, '/public/p.txt', method => 'PUT', data => 'x');
s3_refused($r, 403, 'AccessDenied', 'IAMResourcePolicy: not for writing');

$r = req(undef, '/shared/open/o.txt');
is($r->{status}, 200, '<RequireAny>: the network lets an unsigned request in')
    or diag(describe($r));


# ---------------------------------------------------------------- custom API

my $ORDERS = 'aws:amz:eu-west-1:orders';

$r = req('clerk', '/orders/o-1', scope => $ORDERS);
is($r->{status}, 200, 'orders: GetOrder allowed') or diag(describe($r));
is($r->{decision}{action}, 'orders:GetOrder', 'orders: the action');
is($r->{decision}{resource}, 'arn:app:orders:eu-west-1:123456789012:order/o-1',
   'orders: IAMResource from %{env:MATCH_ORDER}');

$r = req('clerk', '/orders/o-1', scope => $ORDERS, method => 'POST',
         data => "a signed body\n",
         headers => [ 'Content-Type: text/plain' ]);
is($r->{status}, 200, 'orders: a signed body verifies') or diag(describe($r));
is($r->{body}, "a signed body\n", 'orders: the handler reads the same body');
is($r->{decision}{action}, 'orders:UpdateOrder', 'orders: POST action');

$r = req('clerk', '/orders/o-1', scope => $ORDERS, method => 'POST',
         data => "x", headers => [ 'X-Tier: frozen' ]);
json_refused($r, 403, 'AccessDenied', 'IAMConditionKey from a header');
is($r->{decision}{statement}, 'Orders/Frozen',
   'IAMConditionKey: the condition decided');

$r = req('clerk', '/orders/secret', scope => $ORDERS);
json_refused($r, 403, 'AccessDenied', 'orders: explicit deny');

$r = req('clerk', '/orders/o-1', scope => $ORDERS, method => 'DELETE');
json_refused($r, 403, 'AccessDenied', 'orders: no IAMAction for DELETE');

$r = req(undef, '/orders/o-1');
json_refused($r, 401, 'MissingAuthenticationToken', 'orders: unsigned');
is($r->{headers}{'www-authenticate'}, 'AWS4-HMAC-SHA256',
   'orders: unsigned: the challenge');

$r = req('clerk', '/orders/o-1', scope => 'aws:amz:eu-west-1:s3');
json_refused($r, 400, 'AuthorizationHeaderMalformed',
             'orders: signed for another service');


# ---------------------------------------------------------------- AWS CLI

SKIP: {
    skip_unless(aws_cli(), 'the AWS CLI is not installed', 5);

    $t->aws_env(profile => 'alice', key => $key{alice}[0],
                secret => $key{alice}[1]);
    $t->aws_env(profile => 'bob', key => $key{bob}[0],
                secret => $key{bob}[1]);

    my @ep = ('--endpoint-url', "http://127.0.0.1:$port");

    my $c = $t->aws('alice', 's3api', 'get-object', @ep, '--bucket',
                    'shared', '--key', 'a.txt', "$d/got.txt");
    is($c->{rc}, 0, 'aws s3api get-object: allowed') or diag($c->{err});
    is($t->read_file("$d/got.txt"), "content of shared/a.txt\n",
       'aws s3api get-object: the object');
    httpd_decision();

    $c = $t->aws('alice', 's3api', 'get-object', @ep, '--bucket', 'shared',
                 '--key', 'secret/x', "$d/got2.txt");
    like($c->{err}, qr/\(AccessDenied\)/,
         'aws s3api get-object: AccessDenied parsed from the XML')
        or diag($c->{err});
    httpd_decision();

    # POST ?delete: the keys are in the body, read once for the mapping
    $c = $t->aws('bob', 's3api', 'delete-objects', @ep, '--bucket', 'shared',
                 '--delete', '{"Objects":[{"Key":"home/bob/notes.txt"}]}');
    like($c->{err}, qr/\(AccessDenied\)/,
         'aws s3api delete-objects: AccessDenied') or diag($c->{err});
    is(httpd_decision()->{action}, 's3:DeleteObject',
       'delete-objects: s3:DeleteObject of the key in the body');

    my $p = $t->aws('alice', 's3', 'presign', @ep, 's3://shared/a.txt');
    chomp(my $url = $p->{out});
    $r = $t->curl($url);
    httpd_decision();
    is($r->{status}, 200, 'a presigned URL from the AWS CLI')
        or diag(describe($r), $p->{err});
}


# ---------------------------------------------------------------- config

$t->write_file('bad-policy.json', <<'EOF');
{
  "account": "123456789012",
  "policies": {
    "Broken": { "Version": "2012-10-17",
                "Statement": [ { "Effect": "Maybe", "Action": "s3:*",
                                 "Resource": "*" } ] }
  }
}
EOF

for my $case (
    [ 'a bad policy', "IAMAccount $d/bad-policy.json",
      qr{bad-policy\.json:\d+:\d+: } ],
    [ 'a missing account file', "IAMAccount $d/none.json",
      qr{none\.json} ],
    [ 'IAMAuth jwt', "<Location /x>\nIAMAuth sigv4 jwt\n</Location>",
      qr{"jwt" authentication is not implemented in mod_iam yet} ],
    [ 'IAMSigV4 without a region', "<Location /x>\nIAMSigV4 service=s3\n"
      . "</Location>", qr{requires "region="} ],
    [ 'IAMAction with a wildcard', "<Location /x>\nIAMAction GET s3:*\n"
      . "</Location>", qr{invalid action} ],
    [ 'IAMResource that is no ARN', "<Location /x>\nIAMResource foo\n"
      . "</Location>", qr{it must be an ARN} ],
    [ 'Require iam with arguments', "<Location /x>\nAuthType IAM\n"
      . "Require iam yes\n</Location>", qr{takes no arguments} ],
    [ 'a bad resource policy', "IAMAccount $d/account.json\n<Location /x>\n"
      . "IAMResourcePolicy $d/bad-policy.json\n</Location>",
      qr{bad-policy\.json} ],
) {
    my ($name, $body, $re) = @$case;

    $t->write_file('bad.conf', httpd_conf($body));
    my $c = httpd('-t', '-f', "$d/bad.conf");
    isnt($c->{rc}, 0, "apache2 -t fails: $name");
    like($c->{output}, $re, "apache2 -t says why: $name")
        or diag($c->{output});
}


# ---------------------------------------------------------------- reload

# carol gets the staff group: a graceful restart loads the new account file
$t->write_file('account.json', account(carol => sub {
    $_[0]{users}{carol}{groups} = [ 'staff' ];
}));

{
    my $c = httpd('-k', 'graceful', '-f', "$d/httpd.conf");
    is($c->{rc}, 0, 'graceful restart') or diag($c->{output});

    my $status = 0;
    my $deadline = time + 10;
    while (time < $deadline) {
        $r = req('carol', '/shared/a.txt');
        $status = $r->{status};
        last if $status == 200;
        sleep 0.2;
    }
    is($status, 200, 'after a graceful restart carol is allowed');
}


# ---------------------------------------------------------------- example

# conf-examples/s3-gateway/apache2.conf as it is, with its own JSON files
{
    my $ex = "$d/example";
    my $src = repo_root() . '/conf-examples/s3-gateway';
    my $xport = $t->port('example');

    for my $f (qw(account.json bucket-policy.json)) {
        $t->write_file("example/$f", $t->read_file("$src/$f"));
    }
    $t->write_file('example/store/team/readme.txt', "welcome\n");
    $t->write_file('example/store/team/secret/keys.txt', "no\n");
    $t->write_file('example/store/team/reports/q3.csv', "q3\n");
    $t->write_file('example/store/team/home/alice/.keep', '');

    my $conf = $t->read_file("$src/apache2.conf");
    my %v = (MODULES => $MODS, MOD_IAM => $MODIAM, PREFIX => $ex,
             PORT => $xport);
    $conf =~ s/\@(\w+)\@/$v{$1} \/\/ die "no value for \@$1\@"/ge;
    $conf =~ s/^(User|Group) .*$//mg if $> != 0;
    $t->write_file('example/apache2.conf', $conf);
    system('chmod', '-R', 'a+rwX', $ex);

    my $c = run_cmd([ $HTTPD, '-d', $ex, '-f', "$ex/apache2.conf",
                      '-k', 'start' ], timeout => 30);
    is($c->{rc}, 0, 'example: httpd starts with it as it is')
        or diag($c->{out}, $c->{err});

    my $pid;
    my $deadline = time + 10;
    until (($pid = $t->read_file("$ex/httpd.pid") // '') =~ /^\d+/
           && IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                    PeerPort => $xport)) {
        last if time > $deadline;
        sleep 0.05;
    }
    ($pid) = $pid =~ /(\d+)/;

    my %alice = (sigv4 => 'aws:amz:us-east-1:s3', port => 'example',
                 user => 'AKIAEXAMPLEALICE0001:alice-example-secret');
    my %auditor = (%alice,
                   user => 'AKIAEXAMPLEAUDITOR01:auditor-example-secret');

    my $x = $t->curl('/team/readme.txt', %alice);
    is("$x->{status} $x->{body}", "200 welcome\n",
       'example: alice reads the team bucket');

    $x = $t->curl('/team/home/alice/n.txt', %alice, method => 'PUT',
                  data => 'note');
    is($x->{status}, 201, 'example: alice writes her own prefix (DAV)')
        or diag(describe($x));
    is($t->read_file("$ex/store/team/home/alice/n.txt"), 'note',
       'example: the store has it');

    $x = $t->curl('/team/secret/keys.txt', %alice);
    is((s3_error($x->{body}) // {})->{code}, 'AccessDenied',
       'example: secret/ refused');

    is($t->curl('/team/reports/q3.csv', %auditor)->{status}, 200,
       'example: the bucket policy lets the auditor read reports');
    is($t->curl('/team/readme.txt', %auditor)->{status}, 403,
       'example: and nothing else');
    is($t->curl('/team/readme.txt', port => 'example')->{status}, 403,
       'example: unsigned refused');

    my @log = split /\n/, ($t->read_file("$ex/decisions.log") // '');
    my $rec = json_decode($log[0] // '') // {};
    is("$rec->{decision} $rec->{statement}",
       'allowed ReadTeamBucket/ReadTeamBucket',
       'example: the decision log');

    if ($pid) {
        kill 'TERM', $pid;
        for (1 .. 200) { last unless kill 0, $pid; sleep 0.05 }
    }
}


# ---------------------------------------------------------------- nginx

# The same account file, the same requests: the same status and decision.

my $up = $t->port('upstream');

$t->write_config(<<"EOF");
    iam_account %%DIR%%/account.json;
%%DECISION_LOG%%

    server {
        listen 127.0.0.1:%%PORT:nginx%%;
        root %%DIR%%/htdocs;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }

        location /public/ {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
            iam_resource_policy %%DIR%%/public-policy.json;
        }

        location ~ ^/orders/(?<order>[^/]+)\$ {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=eu-west-1 service=orders;
            iam_action GET orders:GetOrder;
            iam_action POST orders:UpdateOrder;
            iam_resource "arn:app:orders:eu-west-1:123456789012:order/\$order";
            iam_condition_key app:Tier \$http_x_tier;
            proxy_pass http://127.0.0.1:$up;
        }
    }

    server {
        listen 127.0.0.1:$up;
        access_log off;
        location / { return 200 "ok\\n"; }
    }
EOF

$t->run;

my @cases = (
    [ 'alice',  '/shared/a.txt' ],
    [ undef,    '/shared/a.txt' ],
    [ 'alice',  '/shared/secret/x' ],
    [ 'nobody', '/shared/a.txt' ],
    [ 'old',    '/shared/a.txt' ],
    [ 'alice',  '/shared/a.txt', scope => 'aws:amz:eu-west-1:s3' ],
    [ 'alice',  '/teams/storage/plan.txt' ],
    [ 'alice',  '/teams/other/plan.txt' ],
    [ 'alice',  '/shared/home/bob/notes.txt' ],
    [ 'bob',    '/shared/home/bob/new.txt', method => 'PUT', data => 'x' ],
    [ 'bob',    '/shared/a.txt' ],
    [ 'carol',  '/shared/a.txt' ],
    [ 'dave',   '/shared/a.txt' ],
    [ 'erin',   '/shared/a.txt' ],
    [ 'frank',  '/shared/a.txt' ],
    [ 'gina',   '/shared/a.txt' ],
    [ 'alice',  '/nosuchbucket!/x' ],
    [ 'clerk',  '/orders/o-1', scope => $ORDERS ],
    [ 'clerk',  '/orders/o-2', scope => $ORDERS, method => 'POST',
      data => "body\n" ],
    [ 'clerk',  '/orders/secret', scope => $ORDERS ],
    [ 'clerk',  '/orders/o-2', scope => $ORDERS, method => 'POST',
      data => "body\n", headers => [ 'X-Tier: frozen' ] ],
    [ undef,    '/public/p.txt' ],
    [ 'alice',  '/public/p.txt' ],
    [ undef,    '/public/p.txt', method => 'PUT', data => 'x' ],
    [ 'clerk',  '/orders/o-1', scope => $ORDERS, method => 'DELETE' ],
    [ undef,    '/orders/o-1' ],
);

for my $case (@cases) {
    my ($who, $path, %opt) = @$case;
    my $name = ($opt{method} // 'GET') . " $path as " . ($who // 'anonymous')
             . ($opt{scope} ? " ($opt{scope})" : '');

    my $a = req($who, $path, %opt);
    my $mark = $t->decision_log_mark;
    my $n = req($who, $path, %opt, server => 'nginx', mark => $mark);

    is($a->{status}, $n->{status}, "same status: $name ($n->{status})")
        or diag("httpd: " . describe($a) . "\nnginx: " . describe($n));

    my $ae = s3_error($a->{body}) // json_decode($a->{body}) // {};
    my $ne = s3_error($n->{body}) // json_decode($n->{body}) // {};
    is($ae->{code} // $ae->{error}, $ne->{code} // $ne->{error},
       "same error code: $name");

    for my $f (qw(principal action resource decision statement auth_error)) {
        is($a->{decision}{$f} // '', $n->{decision}{$f} // '',
           "same $f: $name");
    }
}


# ---------------------------------------------------------------- logs

my $log = $t->read_file('httpd-error.log') // '';
unlike($log, qr/\[(?:[\w:]*:)?(?:emerg|alert|crit)\]/,
       'no emerg/alert/crit in the httpd error log')
    or diag(join "\n", grep { /emerg|alert|crit/ } split /\n/, $log);
like($log, qr/\[iam:error\].*iam: AccessDenied: "arn:aws:iam::123456789012:user\/alice" is not allowed "s3:GetObject" on "arn:aws:s3:::shared\/secret\/x": explicitDeny by "NoSecrets\/DenySecrets"/,
     'one error-log line says who, what, and which statement');

httpd_stop();
$t->done;
