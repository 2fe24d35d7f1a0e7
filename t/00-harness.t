#!/usr/bin/perl

# The harness itself, before any test relies on it: the SigV4 signer in
# t/lib against AWS's published suite (fixed clock), and a plain nginx (no
# module) started, queried with curl, reloaded and stopped by pid.  Runs
# without the module, so a broken harness shows even before the module
# builds.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use IamSkip;

use Test::More;
use Test::IamNginx qw(repo_root which);
use Test::IamSigV4 qw(sign_headers presign_url);

my $suite = repo_root() . '/../shared/testdata/sigv4/aws-signing-test-suite-v4';

# the cases a plain signer covers: no path normalization, no session
# token, no duplicate or multi-line headers, no signed body
my @cases = qw(
    get-header-value-trim get-unreserved get-utf8 get-space-unnormalized
    get-slash-unnormalized get-slashes-unnormalized
    get-vanilla get-vanilla-empty-query-key get-vanilla-query
    get-vanilla-query-order-encoded get-vanilla-query-order-key-case
    get-vanilla-query-unreserved get-vanilla-utf8-query
    post-header-key-case post-header-key-sort post-header-value-case
    post-vanilla post-vanilla-empty-query-value post-vanilla-query
);


sub slurp {
    my ($f) = @_;

    open my $fh, '<:raw', $f or return undef;
    local $/;
    my $c = <$fh>;
    close $fh;

    return $c;
}


SKIP: {
    skip_unless(-d $suite,
                "the SigV4 suite is not at $suite", 2 * @cases);

    for my $case (@cases) {
        my $req = slurp("$suite/$case/request.txt");
        my ($line, @lines) = split /\n/, $req;
        my ($method, $path) = $line =~ /^(\S+) (.*) HTTP\/1\.1$/;

        my (%headers, $host);
        for (@lines) {
            last if $_ eq '';
            my ($k, $v) = /^([^:]+):(.*)$/ or next;
            if (lc $k eq 'host') { $host = $v; next }
            $headers{$k} = $v;
        }

        my %common = (method => $method, url => "https://$host$path",
                      region => 'us-east-1', service => 'service',
                      key => 'AKIDEXAMPLE',
                      secret => 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                      amz_date => '20150830T123600Z');

        my %h = sign_headers(%common, headers => \%headers);
        my ($sig) = $h{Authorization} =~ /Signature=([0-9a-f]{64})$/;
        my $want = slurp("$suite/$case/header-signature.txt");
        $want =~ s/\s+//g;
        is($sig, $want, "signer: $case (header)");

        my $url = presign_url(%common, headers => \%headers, expires => 3600);
        ($sig) = $url =~ /X-Amz-Signature=([0-9a-f]{64})/;
        $want = slurp("$suite/$case/query-signature.txt");
        $want =~ s/\s+//g;
        is($sig, $want, "signer: $case (presigned)");
    }
}


SKIP: {
    skip_unless(which('curl'),
                'no curl', 8);
    skip_unless(-x $Test::IamNginx::NGINX,
                'no nginx', 8);

    my $t = Test::IamNginx->new(no_module => 1);

    $t->write_file('html/hello.txt', "hello\n");
    $t->write_config(<<'EOF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        location / { }
    }
EOF

    $t->run;

    my $r = $t->curl('/hello.txt');
    is($r->{status}, 200, 'harness: curl gets a static file');
    is($r->{body}, "hello\n", 'harness: body captured');
    like($r->{headers}{'content-length'} // '', qr/^6$/,
         'harness: headers captured');

    $r = $t->curl('/missing');
    is($r->{status}, 404, 'harness: 404 for a missing file');

    my $pid = $t->pid;
    ok($pid && kill(0, $pid), 'harness: master pid is alive');

    my $log = $t->reload;
    like($log, qr/start worker process/, 'harness: reload starts workers');

    $t->stop;
    ok(!Test::IamNginx::alive($pid), 'harness: nginx stopped by pid');

    $t->check_error_log;
    done_testing();
    exit 0;
}

done_testing();
