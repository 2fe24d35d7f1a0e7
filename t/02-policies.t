#!/usr/bin/perl

# IAM policy evaluation through nginx, every request signed by curl
# --aws-sigv4: allow, explicit deny over allow, implicit deny, permissions
# boundary, guardrail levels, a location's resource policy, group policies,
# and condition keys from the connection (aws:SourceIp with and without the
# realip module, aws:SecureTransport over real TLS, aws:CurrentTime) and from
# the principal (policy variables, principal tags).  Each case checks the
# status and the decision nginx logged.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Test::IamNginx qw(s3_error describe json_encode iso8601 run_cmd which);

my $t = Test::IamNginx->new(need => [qw(curl openssl)]);

my $ACCOUNT = '123456789012';
my $now = time;

sub allow {
    my ($sid, $action, $resource, $cond) = @_;
    return { Sid => $sid, Effect => 'Allow', Action => $action,
             Resource => $resource, $cond ? (Condition => $cond) : () };
}

sub deny {
    my ($sid, $action, $resource, $cond) = @_;
    return { Sid => $sid, Effect => 'Deny', Action => $action,
             Resource => $resource, $cond ? (Condition => $cond) : () };
}

sub policy { return { Version => '2012-10-17', Statement => [ @_ ] } }

my %KEYS;

sub user {
    my ($name, %u) = @_;
    my $id = sprintf('AKIAEXAMPLE%-9s', uc $name) =~ tr/ /0/r;
    $KEYS{$name} = [ $id, "secret-of-$name/EXAMPLE" ];
    return ($name => { %u, access_keys => [
        { id => $id, secret => "secret-of-$name/EXAMPLE" } ] });
}

my $DATA = 'arn:aws:s3:::data';

$t->write_file('account.json', json_encode({
    account  => $ACCOUNT,
    policies => {
        PublicRead => policy(
            allow('PublicRead', 's3:GetObject', "$DATA/public/*")),
        HomeDirs => policy(
            allow('HomeDir', [ 's3:GetObject', 's3:PutObject',
                               's3:DeleteObject' ],
                  "$DATA/home/\${aws:username}/*")),
        TeamShare => policy(
            allow('TeamShare', 's3:GetObject',
                  "$DATA/team/\${aws:PrincipalTag/team}/*")),
        Classified => policy(
            allow('Cleared', 's3:GetObject', "$DATA/classified/*",
                  { StringEquals => { 'aws:PrincipalTag/clearance' => 'high' } })),
        AliceSecret => policy(
            allow('ReadSecret', 's3:GetObject', "$DATA/secret/*"),
            deny('NoPlans', 's3:GetObject', "$DATA/secret/plans.txt")),
        BroadData => policy(
            allow('Broad', [ 's3:GetObject', 's3:PutObject' ],
                  [ "$DATA/bnd/*", "$DATA/public/*" ])),
        Boundary => policy(
            allow('Bounded', 's3:GetObject', [ "$DATA/bnd/ok/*", "$DATA/bonly/*" ])),
        CarolG => policy(allow('CarolAll', 's3:*', "$DATA/g/*")),
        GuardOrg => policy(
            allow('Everything', '*', '*'),
            deny('QuarantineDeny', 's3:*', "$DATA/g/quarantine/*")),
        GuardOu => policy(
            allow('ReadWrite', [ 's3:GetObject', 's3:PutObject',
                                 's3:ListBucket' ], '*'),
            allow('DeleteHere', 's3:DeleteObject', "$DATA/g/deletable/*")),
        EveRp => policy(allow('EveReads', 's3:GetObject', 'arn:aws:s3:::shared/*')),
        IpPolicy => policy(
            allow('FromPartner', 's3:GetObject', "$DATA/ip/partner/*",
                  { IpAddress => { 'aws:SourceIp' => '203.0.113.0/24' } }),
            allow('FromLoopback', 's3:GetObject', "$DATA/ip/local/*",
                  { IpAddress => { 'aws:SourceIp' => '127.0.0.0/8' } })),
        TlsOnly => policy(
            allow('TlsRead', 's3:GetObject', "$DATA/tls/*"),
            deny('DenyInsecure', 's3:*', "$DATA/tls/*",
                 { Bool => { 'aws:SecureTransport' => 'false' } })),
        TimeWindows => policy(
            allow('Open', 's3:GetObject', "$DATA/time/open/*",
                  { DateGreaterThan => { 'aws:CurrentTime' => iso8601($now - 3600) },
                    DateLessThan    => { 'aws:CurrentTime' => iso8601($now + 3600) } }),
            allow('NotYet', 's3:GetObject', "$DATA/time/future/*",
                  { DateGreaterThan => { 'aws:CurrentTime' => iso8601($now + 3600) } }),
            allow('Over', 's3:GetObject', "$DATA/time/past/*",
                  { DateLessThan => { 'aws:CurrentTime' => iso8601($now - 3600) } })),
    },
    groups => {
        readers => { policies => [ 'PublicRead', 'HomeDirs', 'TeamShare',
                                   'Classified' ] },
    },
    users => {
        user('alice', groups => [ 'readers' ], policies => [ 'AliceSecret' ],
             tags => { team => 'storage' }),
        user('bob', groups => [ 'readers' ],
             tags => { team => 'web', clearance => 'high' }),
        user('bounded', policies => [ 'BroadData' ], boundary => 'Boundary'),
        user('carol', policies => [ 'CarolG' ]),
        user('dave'),
        user('eve', policies => [ 'EveRp' ]),
        user('ipuser', policies => [ 'IpPolicy' ]),
        user('tlsuser', policies => [ 'TlsOnly' ]),
        user('timeuser', policies => [ 'TimeWindows' ]),
    },
    guardrails => [ [ 'GuardOrg' ], [ 'GuardOu' ] ],
}));

$t->write_file('rp-policy.json', json_encode(policy(
    { Sid => 'DaveReads', Effect => 'Allow',
      Principal => { AWS => "arn:aws:iam::$ACCOUNT:user/dave" },
      Action => 's3:GetObject', Resource => 'arn:aws:s3:::shared/*' },
    { Sid => 'NotEve', Effect => 'Deny',
      Principal => { AWS => "arn:aws:iam::$ACCOUNT:user/eve" },
      Action => 's3:*', Resource => 'arn:aws:s3:::shared/*' },
)));

for my $f (qw(public/readme.txt home/alice/notes.txt home/bob/notes.txt
              team/storage/doc.txt team/web/doc.txt classified/doc.txt
              secret/plans.txt secret/roadmap.txt private/doc.txt
              bnd/ok/doc.txt bnd/no/doc.txt bonly/doc.txt
              g/ok.txt g/quarantine/doc.txt ip/partner/doc.txt
              ip/local/doc.txt tls/doc.txt time/open/doc.txt
              time/future/doc.txt time/past/doc.txt)) {
    $t->write_file("s3/data/$f", "data/$f\n");
}
$t->write_file('s3/shared/doc.txt', "shared/doc.txt\n");

# DELETE needs the worker to write the directory
$t->write_file("s3/data/g/$_.txt", "data/g/$_.txt\n") for qw(keep);
$t->writable_dir('s3/data/g');
$t->writable_dir('s3/data/g/deletable');
$t->write_file('s3/data/g/deletable/doc.txt', "deletable\n");
$t->writable_dir('s3/data/home/alice');
$t->writable_dir('s3/data/bnd/ok');

# a self-signed certificate for the TLS listener
my $ssl = run_cmd([ which('openssl'), 'req', '-x509', '-newkey', 'ec',
                    '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-keyout', $t->dir . '/tls.key',
                    '-out', $t->dir . '/tls.crt', '-days', '1',
                    '-subj', '/CN=127.0.0.1' ]);
is($ssl->{rc}, 0, 'openssl makes a self-signed certificate')
    or diag($ssl->{err});

my $LOCATIONS = <<'EOF';
        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
            dav_methods PUT DELETE;
        }

        location /shared/ {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
            iam_resource_policy %%DIR%%/rp-policy.json;
        }
EOF

$t->write_config(<<"EOF");
    iam_account %%DIR%%/account.json;
%%DECISION_LOG%%

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;
$LOCATIONS
    }

    # only 127.0.0.1 may say who the client is
    server {
        listen 127.0.0.1:%%PORT:realip%%;
        root %%DIR%%/s3;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
$LOCATIONS
    }

    server {
        listen 127.0.0.1:%%PORT:tls%% ssl;
        ssl_certificate %%DIR%%/tls.crt;
        ssl_certificate_key %%DIR%%/tls.key;
        root %%DIR%%/s3;
$LOCATIONS
    }
EOF

$t->run;


sub request {
    my ($user, $path, %opt) = @_;

    my ($id, $secret) = @{ $KEYS{$user} };

    return $t->curl($path, sigv4 => 'aws:amz:us-east-1:s3',
                    user => "$id:$secret", %opt);
}


# One case: a signed request, its status, and the decision logged.
sub case {
    my ($name, $user, $path, $status, $decision, %opt) = @_;

    my $stmt = delete $opt{statement};
    my $m = $t->decision_log_mark;
    my $r = request($user, $path, %opt);

    is($r->{status}, $status, "$name: $status") or diag(describe($r));

    if ($status == 403) {
        my $e = s3_error($r->{body});
        is($e && $e->{code}, 'AccessDenied', "$name: AccessDenied")
            or diag(describe($r));
    } elsif ($status == 200) {
        (my $file = $path) =~ s{^/}{};
        is($r->{body}, "$file\n", "$name: the object") or diag(describe($r));
    }

    my $d = $t->last_decision($m);
    is($d->{decision}, $decision, "$name: logged $decision");
    like($d->{statement} // '', qr/\Q$stmt\E/, "$name: statement $stmt")
        if defined $stmt;

    return $r;
}


# --- allow, deny, implicit deny

case('group policy allows', 'alice', '/data/public/readme.txt', 200,
     'allowed', statement => 'PublicRead');
case('own policy allows', 'alice', '/data/secret/roadmap.txt', 200,
     'allowed', statement => 'ReadSecret');
case('explicit deny beats allow', 'alice', '/data/secret/plans.txt', 403,
     'explicitDeny', statement => 'NoPlans');
like($t->error_log, qr{user/alice" is not allowed "s3:GetObject" on "arn:aws:s3:::data/secret/plans\.txt": explicitDeny by "AliceSecret/NoPlans"},
     'explicit deny: error.log names the principal, action, resource and statement');
case('nothing allows: implicit deny', 'alice', '/data/private/doc.txt', 403,
     'implicitDeny');
case('another user lacks the own policy', 'bob', '/data/secret/roadmap.txt',
     403, 'implicitDeny');
case('the same group policy for another member', 'bob',
     '/data/public/readme.txt', 200, 'allowed');

# --- policy variables and principal tags

case('${aws:username}: own home', 'alice', '/data/home/alice/notes.txt', 200,
     'allowed', statement => 'HomeDir');
case('${aws:username}: another home', 'alice', '/data/home/bob/notes.txt',
     403, 'implicitDeny');
case('${aws:username}: bob\'s own home', 'bob', '/data/home/bob/notes.txt',
     200, 'allowed');
case('${aws:PrincipalTag/team}: own team', 'alice',
     '/data/team/storage/doc.txt', 200, 'allowed', statement => 'TeamShare');
case('${aws:PrincipalTag/team}: another team', 'alice',
     '/data/team/web/doc.txt', 403, 'implicitDeny');
case('aws:PrincipalTag condition: tag matches', 'bob',
     '/data/classified/doc.txt', 200, 'allowed', statement => 'Cleared');
case('aws:PrincipalTag condition: tag absent', 'alice',
     '/data/classified/doc.txt', 403, 'implicitDeny');
case('${aws:username} in the path is not a wildcard', 'alice',
     '/data/home/%24%7Baws%3Ausername%7D/notes.txt', 403, 'implicitDeny');

# --- permissions boundary

case('boundary and identity allow', 'bounded', '/data/bnd/ok/doc.txt', 200,
     'allowed');
case('identity allows, boundary does not', 'bounded', '/data/bnd/no/doc.txt',
     403, 'implicitDeny');
case('boundary allows, identity does not', 'bounded', '/data/bonly/doc.txt',
     403, 'implicitDeny');
case('boundary limits a group-less user everywhere', 'bounded',
     '/data/public/readme.txt', 403, 'implicitDeny');
case('boundary: PUT the identity allows, the boundary does not', 'bounded',
     '/data/bnd/ok/new.txt', 403, 'implicitDeny', method => 'PUT',
     data => "new\n");
ok(!-e $t->dir . '/s3/data/bnd/ok/new.txt', 'boundary: nothing was written');
case('no boundary: PUT in the own home', 'alice', '/data/home/alice/new.txt',
     201, 'allowed', method => 'PUT', data => "new\n");
is($t->read_file('s3/data/home/alice/new.txt'), "new\n",
   'no boundary: the object was written');

# --- guardrails (SCP-like levels)

case('guardrails allow', 'carol', '/data/g/keep.txt', 200, 'allowed');
case('guardrail explicit deny', 'carol', '/data/g/quarantine/doc.txt', 403,
     'explicitDeny', statement => 'QuarantineDeny');
case('a guardrail level without an allow', 'carol', '/data/g/keep.txt', 403,
     'implicitDeny', method => 'DELETE');
ok(-f $t->dir . '/s3/data/g/keep.txt', 'guardrail: the object was not deleted');
case('every guardrail level allows', 'carol', '/data/g/deletable/doc.txt',
     204, 'allowed', method => 'DELETE');
ok(!-f $t->dir . '/s3/data/g/deletable/doc.txt',
   'guardrails allow: the object was deleted');

# --- a location's resource policy

case('resource policy grants another user', 'dave', '/shared/doc.txt', 200,
     'allowed', statement => 'DaveReads');
case('resource policy applies to its location only', 'dave',
     '/data/public/readme.txt', 403, 'implicitDeny');
case('resource policy explicit deny beats identity allow', 'eve',
     '/shared/doc.txt', 403, 'explicitDeny', statement => 'NotEve');
case('not named by the resource policy, no identity allow', 'alice',
     '/shared/doc.txt', 403, 'implicitDeny');

# --- aws:SourceIp

my @xff = (headers => [ 'X-Forwarded-For: 203.0.113.7' ]);

case('SourceIp: loopback client', 'ipuser', '/data/ip/local/doc.txt', 200,
     'allowed', statement => 'FromLoopback');
case('SourceIp: not the partner network', 'ipuser',
     '/data/ip/partner/doc.txt', 403, 'implicitDeny');
case('SourceIp without realip: X-Forwarded-For ignored', 'ipuser',
     '/data/ip/partner/doc.txt', 403, 'implicitDeny', @xff);
case('SourceIp without realip: still the loopback address', 'ipuser',
     '/data/ip/local/doc.txt', 200, 'allowed', @xff);
case('SourceIp with realip: the forwarded address', 'ipuser',
     '/data/ip/partner/doc.txt', 200, 'allowed', @xff, port => 'realip',
     statement => 'FromPartner');
case('SourceIp with realip: no longer loopback', 'ipuser',
     '/data/ip/local/doc.txt', 403, 'implicitDeny', @xff, port => 'realip');
case('SourceIp with realip, no header: the peer', 'ipuser',
     '/data/ip/local/doc.txt', 200, 'allowed', port => 'realip');

# --- aws:SecureTransport

case('SecureTransport: TLS', 'tlsuser', '/data/tls/doc.txt', 200, 'allowed',
     port => 'tls', scheme => 'https', statement => 'TlsRead');
case('SecureTransport: plain HTTP denied', 'tlsuser', '/data/tls/doc.txt',
     403, 'explicitDeny', statement => 'DenyInsecure');
case('SecureTransport: TLS, any location', 'tlsuser', '/data/public/readme.txt',
     403, 'implicitDeny', port => 'tls', scheme => 'https');

# --- aws:CurrentTime

case('CurrentTime inside the window', 'timeuser', '/data/time/open/doc.txt',
     200, 'allowed', statement => 'Open');
case('CurrentTime before the window', 'timeuser',
     '/data/time/future/doc.txt', 403, 'implicitDeny');
case('CurrentTime after the window', 'timeuser', '/data/time/past/doc.txt',
     403, 'implicitDeny');

$t->done;
