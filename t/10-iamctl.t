#!/usr/bin/perl
# iamctl as a user runs it: validate's exit status and FILE:LINE:COLUMN
# lines, simulate's JSON lines in and out (DESIGN.md section 4).

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IPC::Open2;
use FindBin;

my $root = "$FindBin::Bin/..";
my $iamctl = "$root/build/iamctl";
unless (-x $iamctl) {
    BAIL_OUT("build/iamctl is not built (run make)") if $ENV{IAM_TEST_STRICT};
    plan skip_all => "build/iamctl is not built (run make)";
}

my $dir = tempdir(CLEANUP => 1);

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die "$name: $!";
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

sub run {
    my ($cmd, $stdin) = @_;
    my $pid = open2(my $out, my $in, @$cmd);
    print $in $stdin if defined $stdin;
    close $in;
    local $/;
    my $text = <$out>;
    waitpid $pid, 0;
    return ($? >> 8, $text // '');
}

# validate

my ($rc, $out) = run([$iamctl, 'validate',
                      "$root/engine/tests/accounts/valid.json"]);
is($rc, 0, 'validate: a valid account file exits 0');
is($out, '', 'validate: and prints nothing');

my $bad = write_file('bad.json', <<'JSON');
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" },
    { "Sid": "B", "Effect": "Alow", "Action": "s3GetObject", "Resource": "*" }
  ]
}
JSON

($rc, $out) = run([$iamctl, 'validate', $bad]);
is($rc, 1, 'validate: an invalid policy exits 1');
my @lines = split /\n/, $out;
is(scalar @lines, 2, 'validate: one line per problem');
like($lines[0], qr/^\Q$bad\E:5:19: Statement\[1\]\.Effect: .*"Alow"/,
     'validate: bad Effect at its line and column');
like($lines[1], qr/^\Q$bad\E:5:37: Statement\[1\]\.Action: .*s3GetObject.*no service prefix/,
     'validate: action without a service prefix at its line and column');

my $syntax = write_file('syntax.json', "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ }\n");
($rc, $out) = run([$iamctl, 'validate', $syntax]);
is($rc, 1, 'validate: a JSON syntax error exits 1');
like($out, qr/^\Q$syntax\E:3:\d+: /, 'validate: syntax error with line and column');

($rc, $out) = run([$iamctl, 'validate', "$root/engine/tests/accounts/valid.json", $bad]);
is($rc, 1, 'validate: several files, one invalid: exit 1');

($rc, $out) = run([$iamctl, 'validate', "$dir/missing.json"]);
is($rc, 1, 'validate: a missing file exits 1');
like($out, qr/missing\.json: cannot open/, 'validate: and says why');

# simulate

my $policy = '{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::bucket/*"},{"Sid":"NoSecret","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bucket/secret/*"}]}';
my $req = sub {
    my ($action, $resource) = @_;
    return qq({"identity_policies":[$policy],"request":{"principal":"arn:aws:iam::123456789012:user/alice","action":"$action","resource":"$resource"}});
};

my $cases = join "\n",
    $req->('s3:GetObject', 'arn:aws:s3:::bucket/a.txt'),
    $req->('s3:GetObject', 'arn:aws:s3:::bucket/secret/k'),
    'this is not JSON',
    $req->('s3:PutObject', 'arn:aws:s3:::bucket/a.txt'),
    '{"identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}],"request":{"action":"s3:GetObject"}}',
    '';

($rc, $out) = run([$iamctl, 'simulate'], $cases);
is($rc, 0, 'simulate: exits 0');
@lines = split /\n/, $out;
is(scalar @lines, 5, 'simulate: one line per case, in order');
is($lines[0], '{"decision":"allowed","statement":"identity_policies[0]/Read"}',
   'simulate: allowed, with the deciding statement');
is($lines[1], '{"decision":"explicitDeny","statement":"identity_policies[0]/NoSecret"}',
   'simulate: explicit deny');
like($lines[2], qr/^\{"error":"invalid JSON/, 'simulate: a broken line gets an error');
is($lines[3], '{"decision":"implicitDeny","statement":null}',
   'simulate: the run goes on after an error; implicit deny');
like($lines[4], qr/^\{"error":"identity_policies\[0\]: Statement\[0\]: .*Action/,
     'simulate: an invalid policy names the policy and the problem');

($rc, $out) = run([$iamctl, 'simulate', '--explain'],
                  $req->('s3:PutObject', 'arn:aws:s3:::bucket/a.txt') . "\n");
like($out, qr/"reason":"Action did not match the action"/,
     'simulate --explain: says why a statement did not apply');

# line by line through a pipe: each answer comes before the next question
my $pid = open2(my $from, my $to, $iamctl, 'simulate');
$to->autoflush(1);
for my $i (1 .. 3) {
    print $to $req->('s3:GetObject', "arn:aws:s3:::bucket/$i"), "\n";
    my $answer = <$from>;
    like($answer // '', qr/"decision":"allowed"/, "simulate: interactive answer $i");
}
close $to;
waitpid $pid, 0;

done_testing();
