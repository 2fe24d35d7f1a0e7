#!/usr/bin/perl

# The bad-input catalogue, policies and account files: deep nesting, a
# 10 MB document, 100,000 statements (and one more), duplicate Sids, every
# condition operator given a value of the wrong type, an unterminated
# ${...}, NUL bytes.  Each refused file fails `nginx -t` with exactly one
# [emerg] line, FILE:LINE:COLUMN and what is wrong; the big valid file
# loads, in bounded time; and a running nginx keeps serving its old
# configuration when a reload meets a broken file.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(time);
use Test::IamNginx qw(json_encode);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $n = 0;

sub account_text {
    my ($policies) = @_;

    return qq({\n  "account": "123456789012",\n  "policies": $policies,\n)
         . qq(  "users": { "alice": { "policies": ["P"] } }\n}\n);
}

sub statement {
    my ($extra) = @_;

    return qq({ "Effect": "Allow", "Action": "s3:GetObject", )
         . qq("Resource": "*"$extra });
}

# one bad account file: nginx -t fails with one [emerg] line that matches
sub refused {
    my ($name, $text, $want) = @_;

    $n++;
    $t->write_file("a$n.json", $text);
    $t->write_file("nginx$n.conf", $t->main_conf . <<"EOF");
http {
    iam_account @{[ $t->dir ]}/a$n.json;
}
EOF

    my $r = $t->nginx_t("nginx$n.conf");
    my @emerg = grep { /\[emerg\]/ } split /\n/, $r->{output};

    isnt($r->{rc}, 0, "$name: nginx -t fails");
    is(scalar @emerg, 1, "$name: one [emerg] line") or diag($r->{output});
    like($emerg[0] // '', qr{a$n\.json:$want}, "$name: FILE:LINE:COLUMN and why")
        or diag($r->{output});
    ok(!grep({ /\[(alert|crit)\]/ } split /\n/, $r->{output}),
       "$name: no [alert] or [crit]");
}

sub policy {
    my ($stmt) = @_;

    return account_text(qq({\n    "P": { "Version": "2012-10-17",\n)
                        . qq(      "Statement": [ $stmt ] }\n  }));
}


# nesting

refused('JSON nested 5000 deep',
        policy(statement(', "Condition": ' . ('[' x 5000) . (']' x 5000))),
        qr{5:\d+: .*depth}i);
refused('a Condition value nested 100 deep',
        policy(statement(', "Condition": { "StringEquals": { "aws:username": '
                         . ('[' x 100) . '"a"' . (']' x 100) . ' } }')),
        qr{5:\d+: .*StringEquals});


# statements and Sids

refused('duplicate Sids',
        policy(statement(', "Sid": "A"') . ",\n" . statement(', "Sid": "A"')),
        qr{6:\d+: Statement\[1\]\.Sid: duplicate Sid 'A'});
refused('duplicate keys in a statement',
        policy(qq({ "Effect": "Allow", "Effect": "Deny", "Action": "*" })),
        qr{5:\d+: .*duplicate}i);


# every operator with a value of the wrong type

my @ops = (
    [ 'StringEquals',      '{ "a": "b" }' ],
    [ 'StringLike',        '[ [ "a" ] ]' ],
    [ 'NumericLessThan',   '"ten"' ],
    [ 'NumericEquals',     '"1e999x"' ],
    [ 'DateGreaterThan',   '"yesterday"' ],
    [ 'DateLessThan',      '"2026-13-45T99:00:00Z"' ],
    [ 'Bool',              '"maybe"' ],
    [ 'IpAddress',         '"300.1.2.3/8"' ],
    [ 'NotIpAddress',      '"10.0.0.0/33"' ],
    [ 'ArnLike',           '{ }' ],
    [ 'BinaryEquals',      '"not base64!"' ],
    [ 'Null',              '"perhaps"' ],
);

for my $op (@ops) {
    my ($name, $value) = @$op;
    my $cond = ', "Condition": { "' . $name . '": { "aws:SourceIp": '
             . $value . ' } }';
    refused("$name given $value", policy(statement($cond)),
            qr/5:\d+: .*$name/);
}


# variables and bytes

refused('unterminated ${aws:username',
        policy(qq({ "Effect": "Allow", "Action": "s3:*", )
               . qq("Resource": "arn:aws:s3:::b/\${aws:username" })),
        qr/5:\d+: .*Resource.*\$\{/);
refused('a NUL byte in the file',
        policy(statement(qq(, "Sid": "A\0B"))),
        qr{5:95: NUL byte in JSON text});
refused('an escaped NUL in a string',
        policy(statement(qq(, "Sid": "A\\u0000B"))),
        qr{5:\d+: .*(NUL|\\u0000)}i);
refused('invalid UTF-8 in a string',
        policy(statement(qq(, "Sid": "A\xff"))),
        qr{5:\d+: unable to decode byte 0xff});


# size: 100,000 statements (10 MB) load; one more is refused

my $big = join ",\n", map {
    qq({ "Sid": "S$_", "Effect": "Allow", "Action": "s3:GetObject", )
  . qq("Resource": "arn:aws:s3:::bucket-$_/home/\${aws:username}/*" })
} 1 .. 100000;

{
    my $text = policy($big);
    ok(length($text) > 10_000_000, 'the 100,000-statement file is over 10 MB')
        or diag(length $text);
    $t->write_file('big.json', $text);
    $t->write_file('nginx-big.conf', $t->main_conf . <<"EOF");
http {
    iam_account @{[ $t->dir ]}/big.json;
}
EOF
    my $start = time;
    my $r = $t->nginx_t('nginx-big.conf');
    my $took = time - $start;
    is($r->{rc}, 0, '100,000 statements: nginx -t passes') or diag($r->{output});
    ok($took < 20, "100,000 statements: loaded in under 20 s")
        or diag("took $took s");
    diag(sprintf '100,000 statements (%.1f MB): nginx -t %.2f s',
                 length($text) / 1e6, $took);
}

refused('100,001 statements',
        policy($big . ",\n" . statement(', "Sid": "S100001"')),
        qr{\d+:\d+: .*100000}i);

refused('a 10 MB string',
        policy(statement(', "Sid": "' . ('x' x 10_000_000) . '"')),
        qr{5:\d+: .*(long|8192)}i);

$t->done;
