package Test::IamSigV4;

# A small SigV4 signer in core Perl (Digest::SHA), for the requests no real
# client will build: a stale X-Amz-Date, a wrong region in the scope, a
# signed-header list without host, a presigned URL for any expiry.  It is
# checked against the published AWS test suite in t/00-harness.t, so a
# failure it provokes is the module's, not the signer's.
#
#   my %h = sign_headers(method => 'GET', url => $url, region => 'us-east-1',
#                        service => 's3', key => $id, secret => $secret,
#                        time => time - 3600);
#   my $u = presign_url(method => 'GET', url => $url, ..., expires => 60);

use strict;
use warnings;

use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use Exporter qw(import);

our @EXPORT_OK = qw(sign_headers presign_url amz_date uri_escape
                    canonical_request);


sub uri_escape {
    my ($s, $keep_slash) = @_;

    my $re = $keep_slash ? qr{([^A-Za-z0-9\-._~/])} : qr{([^A-Za-z0-9\-._~])};
    $s =~ s/$re/sprintf('%%%02X', ord $1)/ge;

    return $s;
}


sub amz_date {
    my ($t) = @_;

    my @g = gmtime($t);

    return sprintf('%04d%02d%02dT%02d%02d%02dZ',
                   $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0]);
}


sub parse_url {
    my ($url) = @_;

    $url =~ m{^(https?)://([^/?#]+)([^?#]*)(?:\?([^#]*))?$}
        or die "cannot parse url $url";

    my ($scheme, $host, $path, $query) = ($1, $2, $3, $4);
    $path = '/' if $path eq '';

    # a default port is not part of Host
    $host =~ s/:80$// if $scheme eq 'http';
    $host =~ s/:443$// if $scheme eq 'https';

    my @q;
    for my $pair (split /&/, $query // '') {
        next if $pair eq '';
        my ($k, $v) = split /=/, $pair, 2;
        push @q, [ unescape($k), unescape($v // '') ];
    }

    return ($scheme, $host, $path, \@q);
}


sub unescape {
    my ($s) = @_;

    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;

    return $s;
}


sub canonical_query {
    my ($q) = @_;

    # sorted by encoded name, then value: not as "name=value" strings
    return join '&',
           map { "$_->[0]=$_->[1]" }
           sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] }
           map { [ uri_escape($_->[0]), uri_escape($_->[1]) ] } @$q;
}


# S3 signs the path encoded once; other services encode the path as sent
# once more (so "%20" on the wire signs as "%2520").
sub canonical_path {
    my ($path, $service) = @_;

    return uri_escape(unescape($path), 1) if $service eq 's3';

    return uri_escape($path, 1);
}


sub canonical_request {
    my (%a) = @_;

    my @names = sort map { lc } keys %{ $a{headers} };
    my %h = map { lc($_) => $a{headers}{$_} } keys %{ $a{headers} };

    my $headers = join '', map {
        my $v = $h{$_};
        $v =~ s/^\s+|\s+$//g;
        $v =~ s/\s+/ /g;
        "$_:$v\n";
    } grep { my $n = $_; grep { $_ eq $n } @{ $a{signed} } } @names;

    return join "\n", $a{method}, $a{path}, $a{query}, $headers,
                      join(';', @{ $a{signed} }), $a{payload};
}


sub signature {
    my (%a) = @_;

    my $date = substr($a{amz_date}, 0, 8);
    my $scope = "$date/$a{region}/$a{service}/aws4_request";

    my $sts = join "\n", 'AWS4-HMAC-SHA256', $a{amz_date}, $scope,
                         sha256_hex($a{creq});

    my $k = hmac_sha256($date, "AWS4$a{secret}");
    $k = hmac_sha256($a{region}, $k);
    $k = hmac_sha256($a{service}, $k);
    $k = hmac_sha256('aws4_request', $k);

    return (hmac_sha256_hex($sts, $k), $scope, $sts);
}


# Headers to send: Authorization, X-Amz-Date, and for S3
# x-amz-content-sha256.  Options: method, url, region, service, key, secret,
# time (epoch), headers (more to sign, { name => value }), payload (the
# body), payload_hash (overrides), signed (the list of lowercase header
# names to sign; default every header given plus host and x-amz-*),
# scope_region / scope_service (to lie in the credential scope).
sub sign_headers {
    my (%a) = @_;

    my ($scheme, $host, $path, $q) = parse_url($a{url});

    my $service = $a{service};
    my $amz_date = $a{amz_date} // amz_date($a{time} // time);

    my $payload_hash = $a{payload_hash}
        // ($service eq 's3' && !defined $a{payload} ? 'UNSIGNED-PAYLOAD'
                                                     : sha256_hex($a{payload} // ''));

    my %send = %{ $a{headers} // {} };
    $send{'X-Amz-Date'} = $amz_date;
    $send{'x-amz-content-sha256'} = $payload_hash
        if $service eq 's3' && !$a{no_content_sha256};

    my %sign = (%send, Host => $host);

    my $signed = $a{signed} // [ sort map { lc } keys %sign ];

    my $creq = canonical_request(
        method  => $a{method} // 'GET',
        path    => canonical_path($path, $service),
        query   => canonical_query($q),
        headers => \%sign,
        signed  => $signed,
        payload => $payload_hash,
    );

    my ($sig, $scope) = signature(
        amz_date => $amz_date,
        region   => $a{scope_region} // $a{region},
        service  => $a{scope_service} // $service,
        secret   => $a{secret},
        creq     => $creq,
    );

    $send{Authorization} = "AWS4-HMAC-SHA256 Credential=$a{key}/$scope, "
                         . 'SignedHeaders=' . join(';', @$signed)
                         . ", Signature=$sig";

    return wantarray ? %send : \%send;
}


# A presigned URL.  Options as sign_headers, plus expires (seconds); headers
# given are signed too (the client must send them).
sub presign_url {
    my (%a) = @_;

    my ($scheme, $host, $path, $q) = parse_url($a{url});

    my $service = $a{service};
    my $amz_date = $a{amz_date} // amz_date($a{time} // time);
    my $date = substr($amz_date, 0, 8);
    my $region = $a{scope_region} // $a{region};
    my $scope = "$date/$region/" . ($a{scope_service} // $service)
              . '/aws4_request';

    my %sign = (%{ $a{headers} // {} }, Host => $host);
    my @signed = sort map { lc } keys %sign;

    my @q = (@$q,
             [ 'X-Amz-Algorithm', 'AWS4-HMAC-SHA256' ],
             [ 'X-Amz-Credential', "$a{key}/$scope" ],
             [ 'X-Amz-Date', $amz_date ],
             [ 'X-Amz-Expires', $a{expires} // 3600 ],
             [ 'X-Amz-SignedHeaders', join ';', @signed ]);

    my $payload = $a{payload_hash}
        // ($service eq 's3' ? 'UNSIGNED-PAYLOAD' : sha256_hex(''));

    my $creq = canonical_request(
        method  => $a{method} // 'GET',
        path    => canonical_path($path, $service),
        query   => canonical_query(\@q),
        headers => \%sign,
        signed  => \@signed,
        payload => $payload,
    );

    my ($sig) = signature(
        amz_date => $amz_date,
        region   => $region,
        service  => $a{scope_service} // $service,
        secret   => $a{secret},
        creq     => $creq,
    );

    push @q, [ 'X-Amz-Signature', $sig ];

    my ($hostport) = $a{url} =~ m{^https?://([^/?#]+)};

    return "$scheme://$hostport$path?" . canonical_query(\@q);
}


1;
