#!/usr/bin/perl
# iamctl check-no-new-access and check-access-not-granted: proofs with Z3.
#
# Concrete policy pairs first (each change a reviewer meets: a wider action,
# a wider resource, a Deny removed, a condition loosened ...), then a
# cross-check of the solver against the engine on random pairs from a small
# grammar: every FAIL's counterexample is confirmed by `iamctl simulate`, and
# no PASS is contradicted by requests sampled from the same alphabet.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IPC::Open3;
use Symbol qw(gensym);
use JSON::PP;
use Time::HiRes qw(time);
use FindBin;

my $root = "$FindBin::Bin/..";
my $iamctl = "$root/build/iamctl";
plan skip_all => "build/iamctl is not built (run make)" unless -x $iamctl;

my $dir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical->utf8;
my $nfile = 0;

sub run {
    my ($cmd, $stdin) = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, @$cmd);
    print $in $stdin if defined $stdin;
    close $in;
    local $/;
    my $text = <$out>;
    my $etext = <$err>;
    waitpid $pid, 0;
    return ($? >> 8, $text // '', $etext // '');
}

sub policy_file {
    my ($doc) = @_;
    my $text = ref $doc ? $json->encode($doc) : $doc;
    my $path = "$dir/p" . $nfile++ . '.json';
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
    return $path;
}

sub policy {
    return { Version => '2012-10-17', Statement => [@_] };
}

sub allow {
    my ($action, $resource, $cond) = @_;
    my %st = (Effect => 'Allow', Action => $action, Resource => $resource);
    $st{Condition} = $cond if $cond;
    return \%st;
}

sub deny {
    my $st = allow(@_);
    $st->{Effect} = 'Deny';
    return $st;
}

# decisions of the engine for many (policy, request) pairs at once
sub simulate {
    my (@cases) = @_;
    return () unless @cases;
    my $stdin = join '', map {
        $json->encode({ identity_policies => [$_->[0]], request => $_->[1] })
        . "\n" } @cases;
    my ($rc, $out) = run([$iamctl, 'simulate'], $stdin);
    my @lines = split /\n/, $out;
    return map { my $d = eval { decode_json($_) } || {};
                 $d->{decision} // 'error: ' . ($d->{error} // $_) } @lines;
}

sub check {
    my ($old, $new, @opts) = @_;
    my ($rc, $out, $err) = run([$iamctl, 'check-no-new-access',
                                '--format', 'json', @opts,
                                policy_file($old), policy_file($new)]);
    my $res = eval { decode_json($out) };
    return ($rc, $res, $err);
}

# PASS/FAIL as expected, and a FAIL's counterexample as the engine sees it
sub expect {
    my ($name, $old, $new, $want) = @_;
    my ($rc, $res, $err) = check($old, $new);
    my %code = (PASS => 0, FAIL => 1, UNKNOWN => 3);

    is($res && $res->{result}, $want, "$name: $want")
        or diag("exit $rc: ", $res ? $json->encode($res) : $err);
    is($rc, $code{$want}, "$name: exit status $code{$want}");

    if ($want eq 'FAIL' && $res && $res->{counterexample}) {
        my $req = $res->{counterexample};
        my ($n, $o) = simulate([$new, $req], [$old, $req]);
        is($n, 'allowed', "$name: simulate allows the counterexample under NEW");
        isnt($o, 'allowed', "$name: and not under OLD ($o)");
    }

    return $res;
}

my $get = allow('s3:GetObject', 'arn:aws:s3:::bucket/*');

# --- the changes a review meets ---------------------------------------------

expect('widened action', policy($get),
       policy(allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::bucket/*')),
       'FAIL');

expect('wildcard action', policy($get),
       policy(allow('s3:Get*', 'arn:aws:s3:::bucket/*')), 'FAIL');

expect('narrowed action', policy(allow('s3:Get*', 'arn:aws:s3:::bucket/*')),
       policy($get), 'PASS');

my $res = expect('widened resource', policy($get),
                 policy(allow('s3:GetObject', 'arn:aws:s3:::*')), 'FAIL');
unlike($res->{counterexample}{resource} // '', qr{^arn:aws:s3:::bucket/},
       'widened resource: the counterexample is outside the old bucket');

expect('resource segment wildcard',
       policy(allow('s3:GetObject', 'arn:aws:s3:::bucket/a*')),
       policy(allow('s3:GetObject', 'arn:aws:s3:::bucket/a?*')), 'PASS');

# '?' is one character, however many bytes it takes in UTF-8
expect('? covers a two-byte character',
       policy(allow('s3:GetObject', 'arn:aws:s3:::b/?')),
       policy(allow('s3:GetObject', "arn:aws:s3:::b/\x{e9}")), 'PASS');
$res = expect('?? is two characters, not two bytes',
              policy(allow('s3:GetObject', 'arn:aws:s3:::b/??')),
              policy(allow('s3:GetObject', "arn:aws:s3:::b/\x{e9}")), 'FAIL');
is($res->{counterexample}{resource}, "arn:aws:s3:::b/\x{e9}",
   '?? is two characters: the counterexample is the one-character key');

my $all = allow('s3:*', '*');
my $nodel = deny('s3:Delete*', '*');

expect('removed Deny', policy($all, $nodel), policy($all), 'FAIL');
expect('added Deny', policy($all), policy($all, $nodel), 'PASS');
expect('equal policies reordered', policy($all, $nodel, $get),
       policy($get, $nodel, $all), 'PASS');

expect('NotAction widened',
       policy({ Effect => 'Allow', NotAction => ['iam:*', 's3:*'],
                Resource => '*' }),
       policy({ Effect => 'Allow', NotAction => 'iam:*', Resource => '*' }),
       'FAIL');
expect('NotAction narrowed',
       policy({ Effect => 'Allow', NotAction => 'iam:*', Resource => '*' }),
       policy({ Effect => 'Allow', NotAction => ['iam:*', 's3:*'],
                Resource => '*' }),
       'PASS');
expect('NotResource',
       policy({ Effect => 'Allow', Action => 's3:*',
                NotResource => 'arn:aws:s3:::secret/*' }),
       policy(allow('s3:*', 'arn:aws:s3:::public/*')), 'PASS');

my $tls = { Bool => { 'aws:SecureTransport' => 'true' } };
expect('loosened condition: StringEquals to StringLike',
       policy(allow('s3:*', '*', { StringEquals => { 's3:prefix' => 'home/' } })),
       policy(allow('s3:*', '*', { StringLike => { 's3:prefix' => 'home/*' } })),
       'FAIL');
expect('condition dropped', policy(allow('s3:*', '*', $tls)),
       policy(allow('s3:*', '*')), 'FAIL');
expect('condition added', policy(allow('s3:*', '*')),
       policy(allow('s3:*', '*', $tls)), 'PASS');

my $ip8 = { IpAddress => { 'aws:SourceIp' => '10.0.0.0/8' } };
$res = expect('CIDR widened',
              policy(allow('s3:*', '*',
                           { IpAddress => { 'aws:SourceIp' => '10.1.0.0/16' } })),
              policy(allow('s3:*', '*', $ip8)), 'FAIL');
like($res->{counterexample}{context}{'aws:SourceIp'} // '', qr/^10\./,
     'CIDR widened: the counterexample comes from 10/8');
expect('CIDR narrowed', policy(allow('s3:*', '*', $ip8)),
       policy(allow('s3:*', '*',
                    { IpAddress => { 'aws:SourceIp' => ['10.1.0.0/16',
                                                         '10.2.3.4/32'] } })),
       'PASS');
expect('IPv6 CIDR widened',
       policy(allow('s3:*', '*',
                    { IpAddress => { 'aws:SourceIp' => '2001:db8:1::/48' } })),
       policy(allow('s3:*', '*',
                    { IpAddress => { 'aws:SourceIp' => '2001:db8::/32' } })),
       'FAIL');

$res = expect('IfExists', policy(allow('s3:*', '*', $ip8)),
              policy(allow('s3:*', '*',
                           { IpAddressIfExists => { 'aws:SourceIp' => '10.0.0.0/8' } })),
              'FAIL');
ok(!exists $res->{counterexample}{context}{'aws:SourceIp'},
   'IfExists: the counterexample has no aws:SourceIp');

expect('NumericLessThan to LessThanEquals',
       policy(allow('s3:ListBucket', '*',
                    { NumericLessThan => { 's3:max-keys' => '100' } })),
       policy(allow('s3:ListBucket', '*',
                    { NumericLessThanEquals => { 's3:max-keys' => '100' } })),
       'FAIL');
expect('NumericLessThan 10 within 100',
       policy(allow('s3:ListBucket', '*',
                    { NumericLessThan => { 's3:max-keys' => 100 } })),
       policy(allow('s3:ListBucket', '*',
                    { NumericLessThan => { 's3:max-keys' => 10.5 } })),
       'PASS');
expect('DateLessThan moved later',
       policy(allow('s3:*', '*',
                    { DateLessThan => { 'aws:CurrentTime' => '2026-01-01T00:00:00Z' } })),
       policy(allow('s3:*', '*',
                    { DateLessThan => { 'aws:CurrentTime' => '2027-01-01' } })),
       'FAIL');
expect('DateGreaterThan before 1970',
       policy(allow('s3:*', '*',
                    { DateGreaterThan => { 'aws:CurrentTime' => '1960-01-01T00:00:00Z' } })),
       policy(allow('s3:*', '*',
                    { DateGreaterThan => { 'aws:CurrentTime' => '1950-01-01' } })),
       'FAIL');
expect('Null: key required present', policy(allow('s3:*', '*',
           { Null => { 'aws:TokenIssueTime' => 'false' } })),
       policy(allow('s3:*', '*')), 'FAIL');
expect('BinaryEquals one more value',
       policy(allow('s3:*', '*', { BinaryEquals => { 'k:bin' => 'QUJD' } })),
       policy(allow('s3:*', '*', { BinaryEquals => { 'k:bin' => ['QUJD', 'REVG'] } })),
       'FAIL');
expect('ArnLike any account',
       policy(allow('s3:*', '*',
                    { ArnLike => { 'aws:SourceArn' => 'arn:aws:sns:*:123456789012:*' } })),
       policy(allow('s3:*', '*',
                    { ArnLike => { 'aws:SourceArn' => 'arn:aws:sns:*:*' } })),
       'FAIL');
expect('StringNotEquals to IgnoreCase',
       policy(allow('s3:*', '*',
                    { StringNotEqualsIgnoreCase => { 'aws:username' => 'bob' } })),
       policy(allow('s3:*', '*',
                    { StringNotEquals => { 'aws:username' => 'bob' } })),
       'FAIL');
expect('condition keys ignore case',
       policy(allow('s3:*', '*', { StringEquals => { 'aws:UserName' => 'bob' } })),
       policy(allow('s3:*', '*', { StringEquals => { 'AWS:username' => 'bob' } })),
       'PASS');

# multi-valued keys
my $home = { 'ForAllValues:StringLike' => { 's3:prefix' => ['home/*'] } };
expect('ForAllValues narrowed',
       policy(allow('s3:ListBucket', '*',
                    { 'ForAllValues:StringLike' => { 's3:prefix' => ['home/*', 'pub/*'] } })),
       policy(allow('s3:ListBucket', '*', $home)), 'PASS');
$res = expect('ForAllValues to ForAnyValue',
              policy(allow('s3:ListBucket', '*', $home)),
              policy(allow('s3:ListBucket', '*',
                           { 'ForAnyValue:StringLike' => { 's3:prefix' => ['home/*'] } })),
              'FAIL');
is(ref $res->{counterexample}{context}{'s3:prefix'}, 'ARRAY',
   'ForAllValues to ForAnyValue: the counterexample has several values');

# policy variables
my $own = allow('s3:GetObject', 'arn:aws:s3:::b/home/${aws:username}/*');
expect('own home instead of every home',
       policy(allow('s3:GetObject', 'arn:aws:s3:::b/home/*')), policy($own),
       'PASS');
$res = expect('every home instead of own home', policy($own),
              policy(allow('s3:GetObject', 'arn:aws:s3:::b/home/*')), 'FAIL');
expect('variable with a default',
       policy(allow('s3:GetObject', 'arn:aws:s3:::b/home/*')),
       policy(allow('s3:GetObject', 'arn:aws:s3:::b/home/${aws:username, \'guest\'}/*')),
       'PASS');
expect('variable in a condition',
       policy(allow('s3:ListBucket', '*',
                    { StringLike => { 's3:prefix' => 'home/${aws:username}/*' } })),
       policy(allow('s3:ListBucket', '*',
                    { StringLike => { 's3:prefix' => 'home/*' } })),
       'FAIL');

# what the encoding declines
my ($rc, $u) = check(policy(allow('s3:*', '*', { StringEquals => { 'k:n' => '5' } })),
                     policy(allow('s3:*', '*', { NumericEquals => { 'k:n' => '5' } })));
is($u->{result}, 'UNKNOWN', 'a key compared as string and number: UNKNOWN');
is($rc, 3, 'UNKNOWN: exit status 3');
like($u->{reasons}[0] // '', qr/k:n.*string.*number/,
     'UNKNOWN: the reason names the key and the two types');

# invalid input
($rc, my $out, my $err) = run([$iamctl, 'check-no-new-access',
                               policy_file('{"Version": '),
                               policy_file(policy($get))]);
is($rc, 2, 'invalid JSON: exit status 2');
like($err, qr/p\d+\.json:1:\d+: /, 'invalid JSON: FILE:LINE:COLUMN on stderr');

($rc, $out, $err) = run([$iamctl, 'check-no-new-access', policy_file(policy($get)),
                         policy_file(policy({ Effect => 'Allow', Action => '*',
                                              Resource => '*',
                                              Principal => '*' }))]);
is($rc, 2, 'a Principal in an identity policy: exit status 2');
like($err, qr/Principal/, 'a Principal in an identity policy: says so');

($rc) = run([$iamctl, 'check-no-new-access', policy_file(policy($get))]);
is($rc, 2, 'one operand: exit status 2');

# text output
($rc, $out) = run([$iamctl, 'check-no-new-access', policy_file(policy($get)),
                   policy_file(policy($all))]);
is($rc, 1, 'text: FAIL exits 1');
like($out, qr/^FAIL\n  .*allows .* where .*\ncounterexample: \{.*"action"/s,
     'text: result, reason, counterexample');

# --- check-access-not-granted ----------------------------------------------

sub access {
    my ($doc, @args) = @_;
    my ($rc, $out, $err) = run([$iamctl, 'check-access-not-granted',
                                '--format', 'json', policy_file($doc), @args]);
    return ($rc, scalar eval { decode_json($out) }, $err);
}

my $p = policy(allow('s3:Get*', 'arn:aws:s3:::bucket/*'),
               allow('iam:PassRole', 'arn:aws:iam::123456789012:role/app-*'),
               deny('s3:*', 'arn:aws:s3:::bucket/secret/*'));

($rc, $u) = access($p, '--action', 's3:PutObject', 's3:DeleteObject');
is($u->{result}, 'PASS', 'not granted: PutObject, DeleteObject');
is($rc, 0, 'not granted: exit 0');

($rc, $u) = access($p, '--action', 's3:GetObject');
is($u->{result}, 'FAIL', 'granted: GetObject');
is($rc, 1, 'granted: exit 1');
my ($d) = simulate([$p, $u->{counterexample}]);
is($d, 'allowed', 'granted: simulate allows the counterexample');
is(lc $u->{counterexample}{action}, 's3:getobject',
   'granted: the counterexample has the action asked about');

($rc, $u) = access($p, '--action', 's3:GetObject', '--resource',
                   'arn:aws:s3:::bucket/secret/*');
is($u->{result}, 'PASS', 'not granted on the denied prefix');

($rc, $u) = access($p, '--action', 'iam:PassRole', '--resource',
                   'arn:aws:iam::123456789012:role/admin');
is($u->{result}, 'PASS', 'PassRole not granted on the admin role');

($rc, $u) = access($p, '--action', 'iam:*', '--resource',
                   'arn:aws:iam::123456789012:role/*');
is($u->{result}, 'FAIL', 'iam:* on any role: granted');
like($u->{counterexample}{resource} // '', qr{:role/app-},
     'iam:* on any role: through the app- roles');

($rc, undef, $err) = access($p);
is($rc, 2, 'no --action: exit 2');
($rc, undef, $err) = access($p, '--action', 's3:Get', '--resource', 'bucket');
is($rc, 2, 'a resource that is not an ARN: exit 2');
like($err, qr/malformed ARN/, 'a resource that is not an ARN: says so');

done_testing();
