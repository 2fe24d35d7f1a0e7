#!/usr/bin/perl
# S3 payload integrity through the gateway: what x-amz-content-sha256 claims
# is checked as the body streams, before the store behind nginx can commit it.
#
# Real clients first (aws s3 cp of a 20 MiB file in parts, @aws-sdk/client-s3
# v3 streaming a file as aws-chunked with a CRC32 trailer), then bodies built
# here with a SigV4 signer written in core Perl (Digest::SHA): good ones, and
# a tampered, reordered, replayed or truncated chunk, a lying decoded length,
# a bad trailer, a wrong x-amz-content-sha256 -- each refused with S3's code
# and never stored, with proxy_request_buffering on and off.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use POSIX qw(strftime);
use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use lib "$FindBin::Bin/lib";
use IamSkip;
use IamTest;

my ($gw, $gwu, $gws, $gwe, $store) = (free_port(), free_port(), free_port(),
                                      free_port(), free_port());

my $gateway = <<'LOC';
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            client_max_body_size 0;
LOC

my $t = nginx_start(ports => [$gw, $gwu, $gws, $gwe, $store], files => {
    'pages/denied.txt' => "the operator's page\n",
    'account.json' => read_file("$FindBin::Bin/data/account.json"),
    'store/shared/home/alice/.keep' => '',
    'store/parts/.keep' => '',
}, http => <<"HTTP");
    iam_account \@DIR\@/account.json;
    log_format payload '\$request_method \$request_uri \$http_x_amz_content_sha256 \$status \$iam_auth_error crc32=\$http_x_amz_checksum_crc32';
    access_log \@DIR\@/gateway.log payload;

    # the gateway, the upstream reading the body only once it is all here
    server {
        listen 127.0.0.1:$gw;
        location / {
$gateway
            proxy_request_buffering on;
            proxy_pass http://127.0.0.1:$store;
        }
    }

    # the gateway, streaming the body upstream as it comes
    server {
        listen 127.0.0.1:$gwu;
        location / {
$gateway
            proxy_request_buffering off;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:$store;
        }
    }

    # the gateway that wants every payload signed
    server {
        listen 127.0.0.1:$gws;
        location / {
$gateway
            iam_s3_unsigned_payload off;
            proxy_pass http://127.0.0.1:$store;
        }
    }

    # the gateway with an error page of its own
    server {
        listen 127.0.0.1:$gwe;
        error_page 403 /denied.txt;
        location = /denied.txt {
            root \@DIR\@/pages;
        }
        location / {
$gateway
            proxy_pass http://127.0.0.1:$store;
        }
    }

    # the store: files written by dav PUT; of S3 multipart just enough for
    # aws s3 cp, each part a file of its own
    map "\$request_method:\$args" \$s3_op {
        "~^POST:uploads=?\$"        create;
        "~^POST:.*uploadId="        complete;
        "~^PUT:.*partNumber="       part;
        default                     "";
    }

    server {
        listen 127.0.0.1:$store;
        access_log \@DIR\@/store.log;
        root \@DIR\@/store;
        client_max_body_size 0;

        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
            add_header ETag '"stored"' always;

            if (\$s3_op = create) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>shared</Bucket><Key>k</Key><UploadId>up1</UploadId></InitiateMultipartUploadResult>';
            }
            if (\$s3_op = complete) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>shared</Bucket><Key>k</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>';
            }
            if (\$s3_op = part) {
                rewrite ^ /parts\$uri.\$arg_partNumber last;
            }
        }

        location /parts/ {
            dav_methods PUT;
            create_full_put_path on;
            add_header ETag '"part"' always;
        }
    }
HTTP

my $dir = $t->{dir};
system('chmod', '-R', 'a+rwX', "$dir/store");
my ($key, $secret) = ('AKIAEXAMPLEALICE0001', 'alice-secret');

sub has { my ($cmd) = @_; return grep { -x "$_/$cmd" } split /:/, $ENV{PATH} }

# the object bytes of an aws-chunked body, as the store kept it
sub unchunk {
    my ($body) = @_;
    my $out = '';
    while ($body =~ s/^([0-9a-fA-F]+)(;[^\r]*)?\r\n//) {
        my $n = hex $1;
        last if $n == 0;
        $out .= substr($body, 0, $n, '');
        $body =~ s/^\r\n// or return undef;
    }
    return $out;
}

sub random_bytes {
    my ($n, $seed) = @_;
    srand($seed);
    return pack 'C*', map { int rand 256 } 1 .. $n;
}

# --- real clients -----------------------------------------------------------

SKIP: {
    skip_unless(has('aws'), 'the AWS CLI (aws) is not on PATH', 4);

    write_file("$dir/aws-config", "[default]\nregion = us-east-1\ns3 =\n"
               . "    addressing_style = path\n    signature_version = s3v4\n");
    write_file("$dir/aws-credentials", "[default]\naws_access_key_id = $key\n"
               . "aws_secret_access_key = $secret\n");
    local $ENV{AWS_CONFIG_FILE} = "$dir/aws-config";
    local $ENV{AWS_SHARED_CREDENTIALS_FILE} = "$dir/aws-credentials";
    local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';
    delete local $ENV{AWS_PROFILE};
    delete local $ENV{AWS_ACCESS_KEY_ID};
    delete local $ENV{AWS_SECRET_ACCESS_KEY};

    my $big = "$dir/big.bin";
    open my $fh, '>', $big or die;
    print $fh random_bytes(1024 * 1024, $_) for 1 .. 20;
    close $fh;

    for my $port ($gw, $gwu) {
        my $name = $port == $gw ? 'buffered' : 'unbuffered';
        my $out = `aws --endpoint-url http://127.0.0.1:$port s3 cp $big s3://shared/home/alice/big-$name.bin 2>&1`;
        is($? >> 8, 0, "aws s3 cp of 20 MiB, $name: multipart upload succeeds")
            or diag($out);

        my $parts = join '', map { read_file("$dir/store/parts/shared/home/alice/big-$name.bin.$_") } 1 .. 3;
        ok(length($parts) == -s $big && $parts eq read_file($big),
           "aws s3 cp, $name: the 3 parts the store holds are the file's bytes");
    }
}

SKIP: {
    skip_unless(has('node') && -d "$FindBin::Bin/node_modules/\@aws-sdk/client-s3",
                'node or @aws-sdk/client-s3 is missing (cd t && npm ci)', 9);

    my $file = "$dir/sdk.bin";
    write_file($file, random_bytes(300 * 1024 + 17, 42));

    for my $case ([$gw, 'buffered', ''], [$gwu, 'unbuffered', ''],
                  [$gw, 'SHA256', 'SHA256'])
    {
        my ($port, $name, $algo) = @$case;
        my $obj = "home/alice/sdk-$name.bin";
        my $out = `cd $FindBin::Bin && node clients/sdk-v3-stream.mjs http://127.0.0.1:$port $key $secret shared $obj $file $algo 2>$dir/sdk.err`;
        my $r = eval { decode_json($out) } // {};
        ok($r->{ok}, "\@aws-sdk/client-s3 PutObject of a stream ($name) succeeds")
            or diag($out, read_file("$dir/sdk.err"));
        if ($name eq 'buffered') {
            is("$r->{headers}{'x-amz-content-sha256'} $r->{headers}{'x-amz-trailer'}",
               'STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32',
               'the SDK sent aws-chunked with a CRC32 trailer');
        }
        my $stored = read_file("$dir/store/shared/$obj");
        is(unchunk($stored) // 'not aws-chunked', read_file($file),
           "\@aws-sdk/client-s3 ($name): the store holds the file's bytes");
    }

    # the same upload where unsigned payloads are refused
    my $out = `cd $FindBin::Bin && node clients/sdk-v3-stream.mjs http://127.0.0.1:$gws $key $secret shared home/alice/sdk-refused.bin $file 2>$dir/sdk.err`;
    my $r = eval { decode_json($out) } // {};
    is(($r->{status} // '') . ' ' . ($r->{error} // ''), '403 AccessDenied',
       'iam_s3_unsigned_payload off: the SDK\'s unsigned stream is refused');
    ok(!-e "$dir/store/shared/home/alice/sdk-refused.bin", 'and not stored');
}

# --- bodies signed here -----------------------------------------------------

my $scope_date;
my $amz_date;
my $scope;

sub signing_key {
    my $k = hmac_sha256($scope_date, "AWS4$secret");
    $k = hmac_sha256('us-east-1', $k);
    $k = hmac_sha256('s3', $k);
    return hmac_sha256('aws4_request', $k);
}

# headers of a signed PUT: returns (seed signature, curl -H arguments)
sub sign_put {
    my (%a) = @_;
    $amz_date = strftime('%Y%m%dT%H%M%SZ', gmtime);
    $scope_date = substr($amz_date, 0, 8);
    $scope = "$scope_date/us-east-1/s3/aws4_request";

    my %h = ('host' => "127.0.0.1:$a{port}",
             'x-amz-content-sha256' => $a{mode},
             'x-amz-date' => $amz_date,
             %{ $a{headers} || {} });
    my @names = sort keys %h;
    my $creq = join "\n", $a{method} // 'PUT', $a{path}, $a{query} // '',
                          (map { "$_:$h{$_}" } @names), '',
                          join(';', @names), $a{mode};
    my $sts = join "\n", 'AWS4-HMAC-SHA256', $amz_date, $scope, sha256_hex($creq);
    my $sig = hmac_sha256_hex($sts, signing_key());

    my @args = map { ('-H', "$_: $h{$_}") } grep { $_ ne 'host' } @names;
    push @args, '-H', "Authorization: AWS4-HMAC-SHA256 Credential=$key/$scope, "
                      . 'SignedHeaders=' . join(';', @names) . ", Signature=$sig";
    return ($sig, @args);
}

sub chunk_sig {
    my ($prev, $data) = @_;
    my $sts = join "\n", 'AWS4-HMAC-SHA256-PAYLOAD', $amz_date, $scope, $prev,
                         sha256_hex(''), sha256_hex($data);
    return hmac_sha256_hex($sts, signing_key());
}

# the signed chunks of @data, final chunk included: a list of strings
sub signed_chunks {
    my ($seed, @data) = @_;
    my ($prev, @out) = ($seed);
    for my $d (@data, '') {
        my $sig = chunk_sig($prev, $d);
        push @out, sprintf("%x;chunk-signature=%s\r\n%s\r\n", length $d, $sig, $d);
        $prev = $sig;
    }
    return ($prev, @out);
}

sub put {
    my ($port, $path, $body, @args) = @_;
    write_file("$dir/body", $body);
    return curl('-X', 'PUT', '--data-binary', "\@$dir/body",
                '-H', 'Content-Type:', @args, "http://127.0.0.1:$port$path");
}

sub code { my ($r) = @_; return ($r->{body} =~ /<Code>([^<]*)<\/Code>/)[0] // '' }

my @data = map { random_bytes(65536, 100 + $_) } 1 .. 3;
push @data, random_bytes(1000, 7);
my $object = join '', @data;
my $n = 0;

for my $port ($gw, $gwu) {
    my $mode = $port == $gw ? 'buffered' : 'unbuffered';

    # a good signed stream of four chunks
    my $path = "/shared/home/alice/stream-$mode.bin";
    my ($seed, @h) = sign_put(port => $port, path => $path,
        mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        headers => { 'content-encoding' => 'aws-chunked',
                     'x-amz-decoded-content-length' => length $object });
    my ($last, @chunks) = signed_chunks($seed, @data);
    my $r = put($port, $path, join('', @chunks), @h);
    like($r->{status}, qr/^20[14]$/, "$mode: a signed aws-chunked PUT is stored")
        or diag($r->{raw});
    is(unchunk(read_file("$dir/store$path")) // '', $object,
       "$mode: the store holds the object's bytes");

    # a signed trailer: the SHA-256 of the object, signed after the final
    # chunk; then the same with the trailer signature forged
    for my $forged (0, 1) {
        $path = "/shared/home/alice/trailer-$mode" . ($forged ? '-forged' : '')
                . '.bin';
        ($seed, @h) = sign_put(port => $port, path => $path,
            mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
            headers => { 'content-encoding' => 'aws-chunked',
                         'x-amz-decoded-content-length' => 10,
                         'x-amz-trailer' => 'x-amz-checksum-sha256' });
        ($last, @chunks) = signed_chunks($seed, '0123456789');
        $chunks[-1] =~ s/\r\n\r\n$/\r\n/;
        my $trailer = 'x-amz-checksum-sha256:'
                      . encode_b64(Digest::SHA::sha256('0123456789'));
        my $tsig = hmac_sha256_hex(join("\n", 'AWS4-HMAC-SHA256-TRAILER',
                                        $amz_date, $scope, $last,
                                        sha256_hex("$trailer\n")),
                                   signing_key());
        $tsig =~ s/^(.)/$1 eq 'a' ? 'b' : 'a'/e if $forged;
        $r = put($port, $path, join('', @chunks)
                 . "$trailer\r\nx-amz-trailer-signature:$tsig\r\n\r\n", @h);

        if (!$forged) {
            like($r->{status}, qr/^20[14]$/,
                 "$mode: a signed trailer (SHA-256) is stored")
                or diag($r->{raw});
            is(unchunk(read_file("$dir/store$path")) // '', '0123456789',
               "$mode: with the object's bytes");
        } else {
            is($r->{status} . ' ' . code($r), '403 SignatureDoesNotMatch',
               "$mode: a forged trailer signature is refused");
            ok(!-e "$dir/store$path", "$mode: and not stored");
        }
    }

    # forged and broken streams, each with its own fresh seed
    my @cases = (
        [ 'a tampered chunk', '403 SignatureDoesNotMatch', sub {
            my @c = @_; $c[1] =~ s/(;chunk-signature=\w+\r\n)(.)/$1 . chr(ord($2) ^ 1)/e; @c } ],
        [ 'two chunks swapped', '403 SignatureDoesNotMatch', sub {
            my @c = @_; @c[0, 1] = @c[1, 0]; @c } ],
        [ 'a chunk replayed in place of the next', '403 SignatureDoesNotMatch', sub {
            my @c = @_; $c[1] = $c[0]; @c } ],
        [ 'the final chunk missing', '400 IncompleteBody', sub {
            my @c = @_; pop @c; @c } ],
        [ 'the last data chunk and the final chunk missing', '400 IncompleteBody', sub {
            my @c = @_; splice @c, -2; @c } ],
        [ 'a chunk cut short', '400 IncompleteBody', sub {
            my @c = @_; splice @c, 2; $c[1] = substr($c[1], 0, 1000); @c } ],
        [ 'a chunk extension besides the signature', '400 InvalidArgument', sub {
            my @c = @_; $c[2] =~ s/\r\n/;x=y\r\n/; @c } ],
        [ 'bytes after the final chunk', '400 InvalidRequest', sub {
            (@_, "0;chunk-signature=" . ('0' x 64) . "\r\n\r\n") } ],
    );

    for my $case (@cases) {
        my ($name, $want, $forge) = @$case;
        $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
        ($seed, @h) = sign_put(port => $port, path => $path,
            mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
            headers => { 'content-encoding' => 'aws-chunked',
                         'x-amz-decoded-content-length' => length $object });
        ($last, @chunks) = signed_chunks($seed, @data);
        $r = put($port, $path, join('', $forge->(@chunks)), @h);
        is($r->{status} . ' ' . code($r), $want, "$mode: $name: $want")
            or diag($r->{raw});
        like($r->{headers}{'content-type'} // '', qr{^application/xml},
             "$mode: $name: answered in S3's XML");
        ok(!-e "$dir/store$path", "$mode: $name: never stored");
    }

    # a decoded length that lies (signed, so the client meant it)
    for my $lie (length($object) + 1, length($object) - 1) {
        $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
        ($seed, @h) = sign_put(port => $port, path => $path,
            mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
            headers => { 'content-encoding' => 'aws-chunked',
                         'x-amz-decoded-content-length' => $lie });
        ($last, @chunks) = signed_chunks($seed, @data);
        $r = put($port, $path, join('', @chunks), @h);
        is($r->{status} . ' ' . code($r), '400 IncompleteBody',
           "$mode: x-amz-decoded-content-length " . ($lie - length $object)
           . ' from the truth: IncompleteBody');
        ok(!-e "$dir/store$path", "$mode: never stored");
    }

    # a hex x-amz-content-sha256 that the body does not match
    $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
    ($seed, @h) = sign_put(port => $port, path => $path,
                           mode => sha256_hex($object));
    $r = put($port, $path, substr($object, 0, -1) . 'X', @h);
    is($r->{status} . ' ' . code($r), '400 XAmzContentSHA256Mismatch',
       "$mode: a body that does not hash to x-amz-content-sha256");
    ok(!-e "$dir/store$path", "$mode: never stored");

    $path = "/shared/home/alice/hashed-$mode.bin";
    ($seed, @h) = sign_put(port => $port, path => $path,
                           mode => sha256_hex($object));
    $r = put($port, $path, $object, @h);
    like($r->{status}, qr/^20[14]$/, "$mode: the body that does hash to it is stored");
    is(read_file("$dir/store$path"), $object, "$mode: the same bytes");

    # an x-amz-checksum- header (signed, as x-amz-* headers must be) that
    # the body does not match
    $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
    ($seed, @h) = sign_put(port => $port, path => $path,
                           mode => sha256_hex($object),
                           headers => { 'x-amz-checksum-crc32' => 'AAAAAA==' });
    $r = put($port, $path, $object, @h);
    is($r->{status} . ' ' . code($r), '400 BadDigest',
       "$mode: a hashed body with a wrong x-amz-checksum-crc32: BadDigest");
    ok(!-e "$dir/store$path", "$mode: never stored");

    $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
    ($seed, @h) = sign_put(port => $port, path => $path,
                           mode => sha256_hex($object),
                           headers => { 'x-amz-checksum-crc32' => 'AAAAAA==',
                                        'x-amz-checksum-sha1' =>
                                            encode_b64(Digest::SHA::sha1($object)) });
    $r = put($port, $path, $object, @h);
    is($r->{status} . ' ' . code($r), '400 InvalidRequest',
       "$mode: two x-amz-checksum- headers: InvalidRequest");
    ok(!-e "$dir/store$path", "$mode: never stored");

    # CompleteMultipartUpload's checksum is the object's, not its body's
    $path = "/shared/home/alice/complete-$mode.bin";
    my $xml = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
              . '<ETag>"part"</ETag></Part></CompleteMultipartUpload>';
    ($seed, @h) = sign_put(port => $port, path => $path, method => 'POST',
                           query => 'uploadId=up1', mode => sha256_hex($xml),
                           headers => { 'x-amz-checksum-crc32' => 'sK4Y7A==' });
    $r = curl('-X', 'POST', '--data-binary', $xml, '-H', 'Content-Type:', @h,
              "http://127.0.0.1:$port$path?uploadId=up1");
    is($r->{status}, 200, "$mode: CompleteMultipartUpload's x-amz-checksum-crc32 "
                          . 'is left to the store') or diag($r->{raw});

    # an unsigned trailer whose CRC32 is wrong
    $path = "/shared/home/alice/forged-$mode-" . $n++ . '.bin';
    ($seed, @h) = sign_put(port => $port, path => $path,
        mode => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers => { 'content-encoding' => 'aws-chunked',
                     'x-amz-decoded-content-length' => 5,
                     'x-amz-trailer' => 'x-amz-checksum-crc32' });
    $r = put($port, $path, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", @h);
    is($r->{status} . ' ' . code($r), '400 BadDigest',
       "$mode: an unsigned trailer with a wrong CRC32: BadDigest");
    ok(!-e "$dir/store$path", "$mode: never stored");
}

# a large stream refused at its first chunk: the answer comes mid-upload
{
    my $path = '/shared/home/alice/large-forged.bin';
    my @big = map { random_bytes(65536, 500 + $_) } 1 .. 64;
    my ($seed, @h) = sign_put(port => $gwu, path => $path,
        mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        headers => { 'content-encoding' => 'aws-chunked',
                     'x-amz-decoded-content-length' => 64 * 65536 });
    my ($last, @chunks) = signed_chunks($seed, @big);
    $chunks[0] =~ s/\r\n(.)/"\r\n" . chr(ord($1) ^ 1)/e;
    my $r = put($gwu, $path, join('', @chunks), @h);
    is($r->{status} . ' ' . code($r), '403 SignatureDoesNotMatch',
       'a 4 MiB stream with a forged first chunk is refused');
    ok(!-e "$dir/store$path", 'and never stored');
}

# an error_page for the status is the operator's choice of body
{
    my $path = '/shared/home/alice/forged-page.bin';
    my ($seed, @h) = sign_put(port => $gwe, path => $path,
        mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        headers => { 'content-encoding' => 'aws-chunked',
                     'x-amz-decoded-content-length' => length $object });
    my ($last, @chunks) = signed_chunks($seed, @data);
    @chunks[0, 1] = @chunks[1, 0];
    my $r = put($gwe, $path, join('', @chunks), @h);
    is("$r->{status} $r->{body}", "403 the operator's page\n",
       'error_page 403: the operator\'s page answers a forged chunk');
    ok(!-e "$dir/store$path", 'and nothing is stored');
}

# UNSIGNED-PAYLOAD where every payload must be signed
{
    my $path = '/shared/home/alice/unsigned.bin';
    my ($seed, @h) = sign_put(port => $gws, path => $path, mode => 'UNSIGNED-PAYLOAD');
    my $r = put($gws, $path, 'data', @h);
    is($r->{status} . ' ' . code($r), '403 AccessDenied',
       'iam_s3_unsigned_payload off: UNSIGNED-PAYLOAD with a body is refused');
    ok(!-e "$dir/store$path", 'and not stored');

    ($seed, @h) = sign_put(port => $gw, path => $path, mode => 'UNSIGNED-PAYLOAD');
    $r = put($gw, $path, 'data', @h);
    like($r->{status}, qr/^20[14]$/, 'iam_s3_unsigned_payload on (default): accepted');
}

# what the store saw: nothing of a refused body when nginx buffers it; when
# it streams, a body cut off before its end, which the store drops (400)
my @store = grep { /forged/ } split /\n/, read_file("$dir/store.log");
ok(!grep({ /forged-buffered/ } @store),
   'buffered: no refused body ever reached the store');
my @cut = grep { /forged-unbuffered/ } @store;
ok(@cut >= 5, scalar(@cut) . ' refused bodies were streaming to the store '
              . 'when refused (unbuffered)');
ok(!grep({ !/" 400 / } @cut), 'the store saw each of them end short (400)')
    or diag(join "\n", @cut);

# how the real clients signed: the CLI's parts by SHA-256, the SDK streaming
my @gw = split /\n/, read_file("$dir/gateway.log");
SKIP: {
    skip_unless(has('aws'), 'the AWS CLI (aws) is not on PATH', 1);
    ok(scalar(grep { /^PUT \S+big-buffered\.bin\?\S*partNumber=\d [0-9a-f]{64} 20[01] - crc32=[A-Za-z0-9+\/]{6}==$/ } @gw) == 3,
       'aws s3 cp signed each of its 3 parts with its SHA-256 and sent its CRC32, all checked')
        or diag(join "\n", grep { /big-/ } @gw);
}

ok(scalar(grep { /^PUT \S+forged-buffered-\d+\.bin \S+ 403 SignatureDoesNotMatch crc32=-$/ } @gw) >= 3,
   'the access log\'s $iam_auth_error names a refused payload\'s error');

my @lines = grep { /iam: \w+: access key/ } split /\n/, error_log($t);
ok(scalar(grep { /SignatureDoesNotMatch: .*a chunk's signature does not match \(chunk \d+, after \d+ bytes of the object\)/ } @lines),
   'error.log: one line per refused payload, with what failed and where')
    or diag(join "\n", @lines);
ok(scalar(grep { /SignatureDoesNotMatch: .*the trailer signature does not match/ } @lines),
   'error.log: the forged trailer signature is named as such');

check_error_log($t);

done_testing();

sub encode_b64 {
    require MIME::Base64;
    return MIME::Base64::encode_base64($_[0], '');
}
