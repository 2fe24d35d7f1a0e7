package Test::IamBad;

# The bad-input catalogue's one check (t/2N-bad-*.t): a request that must
# be refused gets the exact status and error code, and error.log gains one
# clear iam line at the right level and nothing at [alert] or [crit].

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use Exporter qw(import);
use Test::IamNginx qw(s3_error describe);

our @EXPORT_OK = qw(refused raw_request);


# refused($t, $name, $r, $mark, status => 400, code => 'X', level => 'info',
#         log => qr/.../)
# $r is a response from $t->curl or raw_request; code undef: no body check.
sub refused {
    my ($t, $name, $r, $mark, %want) = @_;

    is($r->{status}, $want{status}, "$name: status $want{status}")
        or diag(describe($r));

    if (defined $want{code}) {
        # S3's XML, or the JSON of custom rules
        my $e = s3_error($r->{body});
        $e = { code => $1 } if !$e && $r->{body} =~ /^\{"error":"(\w+)"/;
        is($e && $e->{code}, $want{code}, "$name: error code $want{code}")
            or diag(describe($r));
    }

    # error.log is written before the response is sent; allow a moment
    my @lines;
    for (1 .. ($want{by_nginx} ? 5 : 50)) {
        @lines = grep { length } split /\n/, $t->error_log_since($mark);
        last if grep { / iam: / } @lines;
        sleep 0.02;
    }

    # nginx's own [info] lines about the connection are not the module's
    my @iam = grep { / iam: / } @lines;
    my @other = grep { !/ iam: / && !/\[(info|debug)\]/ } @lines;
    my $level = $want{level} // 'info';

    if ($want{by_nginx}) {
        # nginx refuses it before any module runs: no iam line at all
        is(scalar @iam, 0, "$name: refused by nginx, no iam line")
            or diag(join "\n", @lines);
        ok(!grep({ /\[(alert|crit|emerg)\]/ } @lines),
           "$name: no [alert] or [crit]") or diag(join "\n", @lines);
        return;
    }

    is(scalar @iam, 1, "$name: one iam line in error.log")
        or diag(join "\n", @lines);
    ok(!@other, "$name: no other error.log line above [info]")
        or diag(join "\n", @other);
    like($iam[0] // '', qr/\[\Q$level\E\]/, "$name: logged at [$level]")
        or diag(join "\n", @lines);
    like($iam[0] // '', $want{log}, "$name: the log line says why")
        if $want{log};
    ok(!grep({ /\[(alert|crit|emerg)\]/ } @lines),
       "$name: no [alert] or [crit]") or diag(join "\n", @lines);
}


# A request sent byte for byte, for what curl will not send (no Host, raw
# bytes in the path, header folding).  Returns { status, head, body }.
sub raw_request {
    my ($port, $bytes) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 10)
        or return { status => 0, head => '', body => "connect: $!" };

    print $s $bytes;
    local $/;
    my $resp = <$s> // '';
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};

    return { status => $status // 0, head => $head // '',
             body => $body // '' };
}


1;
