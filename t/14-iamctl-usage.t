#!/usr/bin/perl
# iamctl analyze usage and iamctl generate on the decision log a real nginx
# wrote: requests signed by curl --aws-sigv4, allowed and denied, then the
# usage report (last use, unused keys, roles and permissions, statements
# that decided nothing), gzip input, the period, and a generated policy
# that validates clean and allows, through iamctl simulate, every request
# the log shows allowed.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use JSON::PP ();
use Test::IamNginx qw(json_encode json_decode run_cmd which);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $root = Test::IamNginx::repo_root();
my $iamctl = "$root/build/iamctl";
plan skip_all => 'build/iamctl is not built (run make)' unless -x $iamctl;

my $ACCOUNT = '123456789012';
my $D = 'arn:aws:s3:::data';
my %key = (alice => [ 'AKIAEXAMPLEALICE0001', 'alice-secret/EXAMPLE' ],
           bob   => [ 'AKIAEXAMPLEBOB000001', 'bob-secret/EXAMPLE' ]);

sub policy { return { Version => '2012-10-17', Statement => [ @_ ] } }

$t->write_file('account.json', json_encode({
    account  => $ACCOUNT,
    policies => {
        Alice => policy(
            { Sid => 'Read', Effect => 'Allow', Action => 's3:GetObject',
              Resource => [ "$D/public/*", "$D/alice/*" ] },
            { Sid => 'Write', Effect => 'Allow', Action => 's3:PutObject',
              Resource => "$D/alice/*" },
            { Sid => 'List', Effect => 'Allow', Action => 's3:ListBucket',
              Resource => $D },
            { Sid => 'NoSecret', Effect => 'Deny', Action => 's3:GetObject',
              Resource => "$D/public/secret.txt" }),
    },
    users => {
        alice => { policies => [ 'Alice' ],
                   access_keys => [ { id => $key{alice}[0], secret => $key{alice}[1] } ] },
        bob => { access_keys => [ { id => $key{bob}[0], secret => $key{bob}[1] } ] },
    },
    roles => {
        auditor => { trust => policy({ Effect => 'Allow', Action => 'sts:AssumeRole',
                                       Principal => { AWS => "arn:aws:iam::$ACCOUNT:root" } }),
                     policies => [ 'Alice' ] },
    },
}));

$t->write_file("s3/data/public/$_.txt", "public $_\n") for qw(a b secret);
$t->write_file('s3/data/alice/notes.txt', "notes\n");
$t->writable_dir('s3/data/alice');

$t->write_config(<<'EOF');
    iam_account %%DIR%%/account.json;
%%DECISION_LOG%%

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;

        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
            dav_methods PUT;
        }
    }
EOF

$t->run;

my @requests = (
    # user, method, path, status
    [ 'alice', 'GET', '/data/public/a.txt', 200 ],
    [ 'alice', 'GET', '/data/public/b.txt', 200 ],
    [ 'alice', 'GET', '/data/public/a.txt', 200 ],
    [ 'alice', 'GET', '/data/alice/notes.txt', 200 ],
    [ 'alice', 'PUT', '/data/alice/new.txt', 201 ],
    [ 'alice', 'GET', '/data/public/secret.txt', 403 ],
    [ 'alice', 'GET', '/data/private/plan.txt', 403 ],
);

my $mark = $t->decision_log_mark;

for my $r (@requests) {
    my ($user, $method, $path, $status) = @$r;
    my $res = $t->curl($path, sigv4 => 'aws:amz:us-east-1:s3',
                       user => join(':', @{ $key{$user} }), method => $method,
                       $method eq 'PUT' ? (data => "new\n") : ());
    is($res->{status}, $status, "$user $method $path: $status");
}

my @log = $t->decisions($mark, scalar @requests);
is(scalar @log, scalar @requests, 'nginx logged every request');

my $logfile = $t->dir . '/decisions.log';

sub iamctl {
    my (@args) = @_;
    my $stdin = ref $args[-1] eq 'SCALAR' ? ${ pop @args } : undef;
    return run_cmd([ $iamctl, @args ], defined $stdin ? (stdin => $stdin) : ());
}

# --- analyze usage

my $r = iamctl('analyze', 'usage', '--log', $logfile, '--account',
               $t->dir . '/account.json', '--format', 'json');
is($r->{rc}, 0, 'analyze usage: exit 0') or diag($r->{err});
my $u = json_decode($r->{out}) // {};

my ($alice) = grep { $_->{principal} eq "arn:aws:iam::$ACCOUNT:user/alice" }
              @{ $u->{principals} // [] };
ok($alice, 'usage: alice is reported');
is($alice->{type}, 'user', 'usage: as a user');
is($alice->{requests}, 7, 'usage: all her requests');
is($alice->{allowed}, 5, 'usage: 5 allowed');
is($alice->{denied}, 2, 'usage: 2 denied');
is($alice->{last_used}, $log[-1]{time} =~ s/\+00:00$/Z/r,
   'usage: last used at her last request');

my ($s3) = grep { $_->{service} eq 's3' } @{ $alice->{services} // [] };
ok($s3, 'usage: the s3 service with its last use');
my %act = map { $_->{action} => $_ } @{ $s3->{actions} // [] };
is($act{'s3:GetObject'}{allowed}, 4, 'usage: GetObject allowed 4 times');
is($act{'s3:GetObject'}{denied}, 2, 'usage: GetObject denied twice');
is($act{'s3:PutObject'}{allowed}, 1, 'usage: PutObject once');
ok(!$act{'s3:ListBucket'}, 'usage: ListBucket never used');

my @unused = map { "$_->{statement} $_->{action}" }
             @{ $alice->{unused_permissions} // [] };
is_deeply(\@unused, [ 'Alice/List s3:ListBucket' ],
          'usage: the granted and never used permission')
    or diag(explain(\@unused));

my %keys = map { $_->{id} => $_ } @{ $u->{access_keys} // [] };
ok(!$keys{$key{alice}[0]}{unused}, "usage: alice's key is in use");
ok($keys{$key{bob}[0]}{unused}, "usage: bob's key is unused");
is($keys{$key{bob}[0]}{last_used}, undef, "usage: bob's key never used");
is_deeply($u->{roles_never_assumed}, [ "arn:aws:iam::$ACCOUNT:role/auditor" ],
          'usage: the role nobody assumed');
is_deeply($u->{statements_never_deciding}, [ 'Alice/List' ],
          'usage: the statement that decided nothing')
    or diag(explain($u->{statements_never_deciding}));

# the same from gzip
my $gz = run_cmd([ 'sh', '-c', "gzip -c '$logfile' > '$logfile.gz'" ]);
is($gz->{rc}, 0, 'gzip the log');
my $r2 = iamctl('analyze', 'usage', '--log', "$logfile.gz", '--account',
                $t->dir . '/account.json', '--format', 'json');
# (the period ends now: the clock may have moved on between the runs)
my $u2 = json_decode($r2->{out}) // {};
delete $_->{period} for $u2, $u;
is_deeply($u2, $u, 'usage: a gzip log gives the same report');

# the period: a day, two days after the requests, sees nothing
my @now = gmtime(time + 2 * 86400);
my $later = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $now[5] + 1900,
                    $now[4] + 1, @now[3, 2, 1, 0]);
$r2 = iamctl('analyze', 'usage', '--log', $logfile, '--now', $later,
             '--since', '1d', '--format', 'json');
is((json_decode($r2->{out}) // {})->{records}, 0,
   'usage --since 1d --now +2d: no record in the period');
$r2 = iamctl('analyze', 'usage', '--log', $logfile, '--now', $later,
             '--since', '3d', '--format', 'json');
is((json_decode($r2->{out}) // {})->{records}, 7,
   'usage --since 3d: all of them');

# another key name, mapped with --field
(my $renamed = $t->read_file('decisions.log')) =~ s/"principal":/"who":/g;
$t->write_file('renamed.log', $renamed);
$r2 = iamctl('analyze', 'usage', '--log', $t->dir . '/renamed.log',
             '--field', 'principal=who', '--format', 'json');
is(scalar @{ (json_decode($r2->{out}) // {})->{principals} // [] }, 1,
   'usage --field principal=who: the principal found under its key');

$r2 = iamctl('analyze', 'usage', '--log', $logfile, '--since', 'soon');
is($r2->{rc}, 2, 'usage: a bad --since exits 2');
like($r2->{err}, qr/--since "soon"/, 'usage: and says why');

$r = iamctl('analyze', 'usage', '--format', 'text', '--log', $logfile);
like($r->{out}, qr/^    s3:GetObject\s+last used \S+; allowed 4, denied 2$/m,
     'usage text: one line per action');

# --- generate

for my $exact (0, 1) {
    my $name = $exact ? 'generate --exact' : 'generate';
    $r = iamctl('generate', '--principal', "arn:aws:iam::$ACCOUNT:user/alice",
                '--log', $logfile, $exact ? '--exact' : ());
    is($r->{rc}, 0, "$name: exit 0") or diag($r->{err});
    my $policy = json_decode($r->{out});
    ok($policy && $policy->{Statement}, "$name: a policy");

    my $file = $t->write_file("generated$exact.json", $r->{out});
    my $v = iamctl('validate', '--fail-on', 'SECURITY_WARNING', $file);
    is($v->{rc}, 0, "$name: validates with no error or security warning")
        or diag($v->{out});

    # every request the log shows allowed, replayed through the engine
    my @cases = map {
        JSON::PP->new->canonical->encode({ identity_policies => [ $policy ],
                      request => { principal => $_->{principal},
                                   action => $_->{action},
                                   resource => $_->{resource} } })
    } @log;
    my $sim = iamctl('simulate', \join("\n", @cases, ''));
    my @d = map { (json_decode($_) // {})->{decision} // '' }
            split /\n/, $sim->{out};
    my @allowed = grep { $log[$_]{decision} eq 'allowed' } 0 .. $#log;
    is(scalar(grep { $d[$_] eq 'allowed' } @allowed), scalar @allowed,
       "$name: allows every request the log shows allowed");

    if ($exact) {
        my @denied = grep { $log[$_]{decision} ne 'allowed' } 0 .. $#log;
        is(scalar(grep { $d[$_] eq 'allowed' } @denied), 0,
           "$name: allows none of the requests nginx denied");
        is_deeply($policy->{Statement}[0]{Resource},
                  [ "$D/alice/notes.txt", "$D/public/a.txt", "$D/public/b.txt" ],
                  "$name: each resource as it was used");
    } else {
        is_deeply($policy->{Statement}[0]{Resource},
                  [ "$D/alice/notes.txt", "$D/public/*" ],
                  "$name: two objects under one prefix become prefix/*");
        ok(!grep({ /ListBucket/ } map { ref $_->{Action} ? @{ $_->{Action} } : $_->{Action} }
                 @{ $policy->{Statement} }),
           "$name: nothing that was not used");
    }
}

$r = iamctl('generate', '--principal', "arn:aws:iam::$ACCOUNT:user/bob",
            '--log', $logfile);
is($r->{rc}, 1, 'generate: a principal with no allowed request exits 1');
like($r->{err}, qr/no allowed request/, 'generate: and says so');

$t->done;
