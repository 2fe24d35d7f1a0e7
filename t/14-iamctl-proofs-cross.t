#!/usr/bin/perl
# The Z3 encoding against the engine, on random policy pairs from a small
# grammar (actions, resources with wildcards and ${aws:username} with and
# without a default, NotAction, NotResource, Deny, conditions of every
# value type, IfExists, set operators, Null):
#   - every FAIL's counterexample: `iamctl simulate` allows it under NEW and
#     not under OLD;
#   - every PASS: no request sampled from the grammar's alphabet is allowed
#     under NEW and not under OLD;
#   - no UNKNOWN because the engine disagreed with the solver.
# IAM_PROOF_SEED and IAM_PROOF_PAIRS change the run (the seed is printed).

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

my $seed = $ENV{IAM_PROOF_SEED} // 20261125;
my $npairs = $ENV{IAM_PROOF_PAIRS} // 120;
my $nsamples = 300;
srand($seed);
diag("seed $seed, $npairs pairs");

my $dir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical->utf8;

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

sub pick { return $_[int(rand(@_))] }

sub some {
    my @list = @_;
    my $n = 1 + int(rand(2));
    my %seen;
    my @out = grep { !$seen{$_}++ } map { pick(@list) } 1 .. $n;
    return @out == 1 ? $out[0] : \@out;
}

# --- the grammar -------------------------------------------------------------

my @actions = ('s3:GetObject', 's3:PutObject', 's3:Get*', 's3:*', '*',
               's3:?etObject', 'iam:PassRole', 'iam:*');
my @resources = ('*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/a*',
                 'arn:aws:s3:::c/*', 'arn:aws:s3:::b/${aws:username}/*',
                 'arn:aws:s3:::*/x', "arn:aws:s3:::b/\${aws:username, 'guest'}/*",
                 'arn:aws:iam::123456789012:role/app-*');
my @conditions = (
    sub { { StringEquals => { 'aws:username' => some('alice', 'bob') } } },
    sub { { StringNotEquals => { 'aws:username' => 'bob' } } },
    sub { { StringEqualsIfExists => { 'aws:username' => 'alice' } } },
    sub { { StringLike => { 's3:prefix' => some('a*', 'b?') } } },
    sub { { 'ForAnyValue:StringEquals' => { 'k:tags' => some('t1', 't2') } } },
    sub { { 'ForAllValues:StringEquals' => { 'k:tags' => ['t1', 't2'] } } },
    sub { { IpAddress => { 'aws:SourceIp' =>
                some('10.0.0.0/8', '10.1.0.0/16', '192.168.1.1/32') } } },
    sub { { NotIpAddress => { 'aws:SourceIp' => '10.1.0.0/16' } } },
    sub { { IpAddressIfExists => { 'aws:SourceIp' => '10.0.0.0/8' } } },
    sub { { NumericLessThan => { 's3:max-keys' => pick('10', '100') } } },
    sub { { NumericGreaterThanEquals => { 's3:max-keys' => '50' } } },
    sub { { DateGreaterThan => { 'aws:CurrentTime' =>
                pick('2020-01-01T00:00:00Z', '2025-06-01T00:00:00Z') } } },
    sub { { Bool => { 'aws:SecureTransport' => pick('true', 'false') } } },
    sub { { Null => { 'aws:username' => pick('true', 'false') } } },
    sub { { StringEqualsIgnoreCase => { 'aws:username' => 'ALICE' } } },
    sub { { 'ForAnyValue:StringNotEquals' => { 'k:tags' => 't1' } } },
    sub { { ArnLike => { 'aws:SourceArn' => 'arn:aws:sns:*:123456789012:*' } } },
    sub { { ArnNotEquals => { 'aws:SourceArn' => 'arn:aws:sns:us-east-1:*:t' } } },
    sub { { BinaryEquals => { 'k:bin' => some('QUJD', 'REVG') } } },
    sub { { NumericEquals => { 's3:max-keys' => '10' } } },
    sub { { DateLessThanEquals => { 'aws:CurrentTime' => '1600000000' } } },
    sub { { IpAddress => { 'aws:SourceIp' => '2001:db8::/32' } } },
);

sub statement {
    my ($effect) = @_;
    my %st = (Effect => $effect // (rand() < 0.75 ? 'Allow' : 'Deny'));
    $st{rand() < 0.15 ? 'NotAction' : 'Action'} = some(@actions);
    $st{rand() < 0.1 ? 'NotResource' : 'Resource'} = some(@resources);
    my $n = rand() < 0.5 ? 0 : 1 + int(rand(2));
    for (1 .. $n) {
        my $c = pick(@conditions)->();
        my ($op) = keys %$c;
        $st{Condition}{$op} = { %{ $st{Condition}{$op} // {} }, %{ $c->{$op} } };
    }
    return \%st;
}

sub policy {
    my @st = map { statement() } 1 .. 1 + int(rand(3));
    return { Version => '2012-10-17', Statement => \@st };
}

sub copy { return decode_json(encode_json($_[0])) }

# NEW from OLD: narrowed (PASS expected), widened (FAIL mostly), or new
sub mutate {
    my ($old) = @_;
    my $new = copy($old);
    my $st = $new->{Statement};
    my $how = int(rand(6));

    if ($how == 0) {
        push @$st, statement('Deny');
    } elsif ($how == 1 && @$st > 1) {
        splice @$st, int(rand(@$st)), 1;
    } elsif ($how == 2) {
        @$st = reverse @$st;
    } elsif ($how == 3) {
        push @$st, statement('Allow');
    } elsif ($how == 4) {
        my @deny = grep { $st->[$_]{Effect} eq 'Deny' } 0 .. $#$st;
        @deny && @$st > 1 ? splice(@$st, pick(@deny), 1)
                          : push(@$st, statement('Allow'));
    } else {
        my $s = pick(@$st);
        if ($s->{Condition}) { delete $s->{Condition} }
        else { my $c = pick(@conditions)->(); $s->{Condition} = $c }
    }

    return $new;
}

# requests over the grammar's alphabet
sub request {
    my %ctx;
    my %keys = (
        'aws:username' => ['alice', 'bob', 'carol', 'Alice', 'guest'],
        's3:prefix' => ['a1', 'b2', 'bb', 'c'],
        'k:tags' => ['t1', 't2', 't3', ['t1', 't2'], ['t1', 't3'], []],
        'aws:SourceIp' => ['10.0.0.1', '10.1.2.3', '192.168.1.1',
                           '172.16.0.1', '::1', '::ffff:10.1.0.9', 'x',
                           '2001:db8::1', '2001:db9::1'],
        's3:max-keys' => ['5', '10', '10.0', '1e1', '50', '100', '500', 'x'],
        'aws:SourceArn' => ['arn:aws:sns:us-east-1:123456789012:t',
                            'arn:aws:sns:us-east-1:999:t', 'x'],
        'k:bin' => ['QUJD', 'REVG', 'x'],
        'aws:CurrentTime' => ['2019-01-01T00:00:00Z', '2021-01-01T00:00:00Z',
                              '2026-01-01T00:00:00Z', '1600000000', 'x'],
        'aws:SecureTransport' => ['true', 'false', 'TRUE', 'x'],
    );
    for my $k (sort keys %keys) {
        $ctx{$k} = pick(@{ $keys{$k} }) if rand() < 0.6;
    }
    return {
        principal => 'arn:aws:iam::123456789012:user/alice',
        action => pick('s3:GetObject', 's3:PutObject', 's3:GETOBJECT',
                       's3:ListBucket', 's3:xetObject', 'iam:PassRole',
                       'iam:CreateUser', 'ec2:RunInstances'),
        resource => pick('arn:aws:s3:::b/a1', 'arn:aws:s3:::b/alice/k',
                         'arn:aws:s3:::b/bob/k', 'arn:aws:s3:::c/a',
                         'arn:aws:s3:::b/guest/k', 'arn:aws:s3:::b/Alice/k',
                         'arn:aws:s3:::q/x', 'arn:aws:s3:::b/x',
                         'arn:aws:iam::123456789012:role/app-web',
                         'arn:aws:iam::123456789012:role/admin', '', 'x'),
        context => \%ctx,
    };
}

# --- the run -----------------------------------------------------------------

my (%count, @confirm, @sample, @disagree);
my $start = time;

for my $i (1 .. $npairs) {
    my $old = policy();
    my $new = rand() < 0.3 ? policy() : mutate($old);

    my ($of, $nf) = ("$dir/old$i.json", "$dir/new$i.json");
    for ([$of, $old], [$nf, $new]) {
        open my $fh, '>', $_->[0] or die "$_->[0]: $!";
        print $fh $json->encode($_->[1]);
        close $fh;
    }

    my ($rc, $out, $err) = run([$iamctl, 'check-no-new-access', '--format',
                                'json', '--timeout', '20', $of, $nf]);
    my $res = eval { decode_json($out) } || { result => "exit $rc: $err" };
    $count{$res->{result}}++;

    if ($res->{result} eq 'FAIL') {
        push @confirm, [$i, $old, $new, $res->{counterexample}];

    } elsif ($res->{result} eq 'PASS') {
        push @sample, [$i, $old, $new, request()] for 1 .. $nsamples;

    } elsif (grep { /did not confirm|internal error|read back/ }
             @{ $res->{reasons} // [] })
    {
        push @disagree, [$i, $old, $new, $res];
    }

    is($rc, { PASS => 0, FAIL => 1, UNKNOWN => 3 }->{$res->{result}} // -1,
       "pair $i: exit status matches $res->{result}")
        if $res->{result} !~ /^(PASS|FAIL|UNKNOWN)$/;
}

diag(sprintf("%d pairs in %.1f s: %s", $npairs, time - $start,
             join(', ', map { "$_ $count{$_}" } sort keys %count)));

ok(($count{PASS} // 0) >= $npairs / 10, 'the grammar gives PASS pairs');
ok(($count{FAIL} // 0) >= $npairs / 10, 'the grammar gives FAIL pairs');
ok(($count{UNKNOWN} // 0) <= $npairs / 20, 'few UNKNOWN (timeouts only)');
is(scalar @disagree, 0, 'the engine never disagrees with the solver')
    or diag($json->encode($disagree[0]));

# every FAIL: the engine allows the counterexample under NEW, not under OLD
# (through a file: a pipe both ways would fill up and stall)
sub decisions {
    my (@cases) = @_;
    open my $fh, '>', "$dir/cases.jsonl" or die "cases.jsonl: $!";
    print $fh $json->encode({ identity_policies => [$_->[0]],
                              request => $_->[1] }), "\n" for @cases;
    close $fh;
    open my $out, '-|', "$iamctl simulate < $dir/cases.jsonl"
        or die "simulate: $!";
    my @d = map { (eval { decode_json($_) } || {})->{decision} // 'error' }
            <$out>;
    close $out;
    return @d;
}

my @d = decisions(map { ([$_->[2], $_->[3]], [$_->[1], $_->[3]]) } @confirm);
my $bad = 0;
for my $k (0 .. $#confirm) {
    my ($n, $o) = ($d[2 * $k], $d[2 * $k + 1]);
    next if $n eq 'allowed' && $o ne 'allowed';
    diag("pair $confirm[$k][0]: counterexample not confirmed (new $n, old $o): "
         . $json->encode([@{ $confirm[$k] }[1 .. 3]])) unless $bad++;
}
is($bad, 0, scalar(@confirm) . ' FAIL counterexamples confirmed by simulate');

# every PASS: no sampled request is new access
@d = decisions(map { ([$_->[2], $_->[3]], [$_->[1], $_->[3]]) } @sample);
$bad = 0;
for my $k (0 .. $#sample) {
    my ($n, $o) = ($d[2 * $k], $d[2 * $k + 1]);
    next unless $n eq 'allowed' && $o ne 'allowed';
    diag("pair $sample[$k][0]: PASS contradicted: "
         . $json->encode([@{ $sample[$k] }[1 .. 3]])) unless $bad++;
}
is(scalar(@d), 2 * @sample, 'simulate answered every sampled request');
is($bad, 0, scalar(@sample) . ' sampled requests contradict no PASS');

done_testing();
