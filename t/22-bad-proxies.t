#!/usr/bin/perl

# The bad-input catalogue, proxies: aws:SourceIp is the connection's address
# as nginx's realip module trusts it, never a header a client wrote.
# Spoofed X-Forwarded-For without realip, realip from an untrusted address,
# IPv6 and IPv4-mapped addresses in SourceIp conditions.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Test::IamNginx qw(json_encode);
use Test::IamSigV4 qw(sign_headers);
use Test::IamBad qw(refused);

my $t = Test::IamNginx->new(need => [qw(curl)]);

my $KEY    = 'AKIAEXAMPLEALICE0001';
my $SECRET = 'aliceSecretKey/EXAMPLE+0001abcdefghijklm';

$t->write_file('account.json', json_encode({
    account  => '123456789012',
    policies => {
        FromTheOffice => { Version => '2012-10-17', Statement => [
            { Sid => 'Office', Effect => 'Allow', Action => 's3:GetObject',
              Resource => 'arn:aws:s3:::bucket/*',
              Condition => { IpAddress => { 'aws:SourceIp' =>
                  [ '10.0.0.0/8', '2001:db8::/32' ] } } },
            { Sid => 'NotTheLab', Effect => 'Deny', Action => 's3:*',
              Resource => '*',
              Condition => { IpAddress => { 'aws:SourceIp' =>
                  [ '10.66.0.0/16' ] } } } ] },
    },
    users => {
        alice => { policies => [ 'FromTheOffice' ],
                   access_keys => [ { id => $KEY, secret => $SECRET } ] },
    },
}));

$t->write_file('s3/bucket/a.txt', "object data\n");

$t->write_config(<<'EOF');
    iam_account %%DIR%%/account.json;

    # no realip: X-Forwarded-For is just a header
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/s3;
        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }

    # realip trusting another proxy than the client
    server {
        listen 127.0.0.1:%%PORT:untrusted%%;
        root %%DIR%%/s3;
        set_real_ip_from 192.0.2.1;
        real_ip_header X-Forwarded-For;
        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }

    # realip trusting the client (a proxy on loopback)
    server {
        listen 127.0.0.1:%%PORT:trusted%%;
        root %%DIR%%/s3;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
        }
    }
EOF

$t->run;

sub get {
    my ($port, $xff) = @_;

    my $url = $t->url('/bucket/a.txt', $port);
    my %h = sign_headers(method => 'GET', url => $url, region => 'us-east-1',
                         service => 's3', key => $KEY, secret => $SECRET);
    my @h = map { "$_: $h{$_}" } sort keys %h;
    push @h, "X-Forwarded-For: $xff" if defined $xff;

    return $t->curl($url, headers => \@h);
}

sub denied {
    my ($name, $port, $xff, $decision) = @_;

    my $mark = $t->log_mark;
    my $r = get($port, $xff);
    refused($t, $name, $r, $mark, status => 403, code => 'AccessDenied',
            level => 'error', log => $decision);
    unlike($r->{body}, qr/object data/, "$name: no object data");
}

sub allowed {
    my ($name, $port, $xff) = @_;

    my $r = get($port, $xff);
    is($r->{status}, 200, "$name: 200");
    is($r->{body}, "object data\n", "$name: the object");
}


denied('no realip, no X-Forwarded-For', 'main', undef, qr/implicitDeny/);
denied('no realip, spoofed X-Forwarded-For', 'main', '10.1.2.3',
       qr/implicitDeny/);
denied('no realip, spoofed X-Forwarded-For list', 'main',
       '10.1.2.3, 10.4.5.6', qr/implicitDeny/);

denied('realip from an untrusted address', 'untrusted', '10.1.2.3',
       qr/implicitDeny/);

allowed('realip from a trusted proxy', 'trusted', '10.1.2.3');
denied('trusted proxy, an address the Deny names', 'trusted', '10.66.1.1',
       qr/explicitDeny/);
denied('trusted proxy, an address outside the ranges', 'trusted',
       '192.0.2.9', qr/implicitDeny/);
denied('trusted proxy, garbage X-Forwarded-For', 'trusted', 'not-an-ip',
       qr/implicitDeny/);
allowed('trusted proxy, IPv6 inside 2001:db8::/32', 'trusted',
        '2001:db8::1');
denied('trusted proxy, IPv6 outside 2001:db8::/32', 'trusted',
       '2001:db9::1', qr/implicitDeny/);
allowed('trusted proxy, IPv4-mapped 10.1.2.3', 'trusted',
        '::ffff:10.1.2.3');
denied('trusted proxy, IPv4-mapped address the Deny names', 'trusted',
       '::ffff:10.66.1.1', qr/explicitDeny/);
denied('trusted proxy, IPv4-compatible is not IPv4', 'trusted',
       '::10.1.2.3', qr/implicitDeny/);

$t->done;
