package IamTest;

# A small core-Perl harness for ngx_iam's integration tests, in the spirit of
# nginx-tests' Test::Nginx: each test writes its own nginx.conf into a temp
# dir, takes free loopback ports, starts the real nginx with the built module,
# drives it with real clients, and fails when error.log has [alert], [crit]
# or [emerg] lines.

use strict;
use warnings;
use Exporter ();
our @ISA = ('Exporter');
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);
use Test::More;
use Cwd qw(abs_path);
use FindBin;

our @EXPORT = qw(nginx_start nginx_stop nginx_test_config free_port
                 write_file read_file http curl curl_sigv4 presign sign_headers
                 error_log error_log_since check_error_log root_dir
                 nginx_reload wait_for_port ACCOUNT_ID);

use constant ACCOUNT_ID => '123456789012';

my $ROOT = abs_path("$FindBin::Bin/..");
my $NGINX = $ENV{NGINX_BIN} || '/usr/sbin/nginx';
my $MODULE = "$ROOT/build/ngx_http_iam_module.so";
my @running;

# make test-valgrind: nginx runs in one process under memcheck, each
# instance logging to $IAM_VALGRIND/; tools/valgrind/check reads the logs.
my $VALGRIND = $ENV{IAM_VALGRIND};
my $WAIT = $VALGRIND ? 600 : 100;     # tries of 0.05 s for a port to open

sub root_dir { return $ROOT }

sub import {
    my $class = shift;
    unless (-f $MODULE && -x $NGINX) {
        plan skip_all => "module not built ($MODULE): run make";
    }
    $class->export_to_level(1, $class, @_);
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "free_port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
    return $path;
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

# The common frame around a test's http{} body: module, pid, logs, temp
# paths, all inside the test's own directory.
sub _frame {
    my ($dir, $http) = @_;
    my $conf = <<"CONF";
load_module $MODULE;
worker_processes 1;
__IAM_PROCESS__
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 256; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$http
}
CONF
    my $process = $VALGRIND ? "daemon off;\nmaster_process off;"
                            : "daemon on;\nmaster_process on;";
    $conf =~ s/__IAM_PROCESS__/$process/;
    return $conf;
}

# nginx_start(http => "...", files => { 'account.json' => '...' })
# Writes the files and the config (@DIR@ in any of them is the test dir),
# starts nginx and returns the handle { dir, conf }.
sub nginx_start {
    my (%args) = @_;
    my $dir = tempdir('ngx-iam-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
    chmod 0755, $dir;                   # the workers run as nobody under root
    make_path("$dir/tmp", "$dir/html");

    my $files = $args{files} || {};
    for my $name (keys %$files) {
        my $text = $files->{$name};
        $text =~ s/\@DIR\@/$dir/g;
        my $path = "$dir/$name";
        (my $parent = $path) =~ s{/[^/]+$}{};
        make_path($parent);
        write_file($path, $text);
    }

    # served and written (dav PUT) by workers that run as nobody under root
    system('chmod', '-R', 'a+rwX', "$dir/html");

    my $http = $args{http};
    $http =~ s/\@DIR\@/$dir/g;
    write_file("$dir/nginx.conf", _frame($dir, $http));

    my $t = { dir => $dir, conf => "$dir/nginx.conf", ports => $args{ports} };

    my $out = $VALGRIND ? _valgrind_start($dir)
                        : `$NGINX -p $dir -c $dir/nginx.conf 2>&1`;
    if ($? != 0) {
        diag("nginx did not start: $out");
        $t->{failed} = $out;
        return $t;
    }

    push @running, $t;
    for my $port (@{ $args{ports} || [] }) {
        wait_for_port($port);
    }

    return $t;
}

# nginx -t on a config; returns (exit status, output)
sub nginx_test_config {
    my (%args) = @_;
    my $dir = tempdir('ngx-iam-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
    chmod 0755, $dir;
    make_path("$dir/tmp");
    my $files = $args{files} || {};
    for my $name (keys %$files) {
        my $text = $files->{$name};
        $text =~ s/\@DIR\@/$dir/g;
        write_file("$dir/$name", $text);
    }
    my $http = $args{http};
    $http =~ s/\@DIR\@/$dir/g;
    write_file("$dir/nginx.conf", _frame($dir, $http));
    my $out = `$NGINX -t -p $dir -c $dir/nginx.conf 2>&1`;
    return ($? >> 8, $out, $dir);
}

# nginx in the foreground under valgrind, started in the background; it
# writes its pid file itself.  Returns nginx -t's output, with $? set.
sub _valgrind_start {
    my ($dir) = @_;
    my $out = `$NGINX -t -q -p $dir -c $dir/nginx.conf 2>&1`;
    return $out if $? != 0;
    (my $name = $dir) =~ s{.*/}{};
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/valgrind.out";
        open STDERR, '>&', \*STDOUT;
        exec 'valgrind', '--tool=memcheck', '--leak-check=full',
             '--errors-for-leak-kinds=definite',
             '--num-callers=30', "--suppressions=$ROOT/tools/valgrind/nginx.supp",
             "--log-file=$VALGRIND/$name-%p.log", $NGINX, '-p', $dir,
             '-c', "$dir/nginx.conf";
        exit 127;
    }
    for (1 .. 600) {
        last if -s "$dir/nginx.pid";
        sleep 0.05;
    }
    $? = 0;
    return '';
}

sub wait_for_port {
    my ($port) = @_;
    for (1 .. $WAIT) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        if ($s) { close $s; return 1; }
        sleep 0.05;
    }
    diag("port $port never opened");
    return 0;
}

sub _pid {
    my ($t) = @_;
    my $pid = read_file("$t->{dir}/nginx.pid");
    chomp $pid;
    return $pid;
}

# HUP, then wait for a new worker
sub nginx_reload {
    my ($t) = @_;
    my $pid = _pid($t) or return;
    kill 'HUP', $pid;
    sleep($VALGRIND ? 8 : 1);
}

sub nginx_stop {
    my ($t) = @_;
    return if !$t || $t->{stopped};
    my $pid = _pid($t);
    if ($pid) {
        kill 'QUIT', $pid;
        for (1 .. ($VALGRIND ? 600 : 50)) {
            waitpid($pid, WNOHANG) if $VALGRIND;
            last unless kill 0, $pid;
            sleep 0.1;
        }
        kill 'KILL', $pid if kill 0, $pid;
    }
    $t->{stopped} = 1;
}

sub error_log {
    my ($t) = @_;
    return read_file("$t->{dir}/error.log");
}

# the error-log lines written after a mark (length of the log before)
sub error_log_since {
    my ($t, $mark) = @_;
    my $log = error_log($t);
    return substr($log, $mark // 0);
}

# the test fails when nginx logged [alert], [crit] or [emerg]
sub check_error_log {
    my ($t, $name) = @_;
    my @bad = grep { /\[(alert|crit|emerg)\]/ } split /\n/, error_log($t);
    ok(!@bad, ($name // 'error.log') . ' has no alert/crit/emerg lines')
        or diag(join "\n", @bad);
}

sub _shell_quote {
    my ($s) = @_;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

# curl(@args) -> { status, headers, body }
sub curl {
    my (@args) = @_;
    my $cmd = join ' ', 'curl', '-s', '-S', '-i', '--max-time', '10',
                        map { _shell_quote($_) } @args;
    my $out = `$cmd 2>&1`;
    my ($head, $body) = split /\r?\n\r?\n/, $out, 2;
    # skip 100 Continue
    while (defined $head && $head =~ /^HTTP\/\S+ 100/ && defined $body) {
        ($head, $body) = split /\r?\n\r?\n/, $body, 2;
    }
    my ($status) = ($head // '') =~ /^HTTP\/\S+ (\d+)/;
    my %headers;
    for my $line (split /\r?\n/, $head // '') {
        $headers{lc $1} = $2 if $line =~ /^([^:]+):\s*(.*)$/;
    }
    return { status => $status // 0, headers => \%headers,
             body => $body // '', raw => $out };
}

# a plain GET
sub http {
    my ($url, @extra) = @_;
    return curl(@extra, $url);
}

# curl --aws-sigv4, as curl 7.88 signs: x-amz-content-sha256 added (signed)
sub curl_sigv4 {
    my (%a) = @_;
    my $region = $a{region} // 'us-east-1';
    my $service = $a{service} // 's3';
    my @args = ('--aws-sigv4', "aws:amz:$region:$service",
                '--user', "$a{key}:$a{secret}");
    if ($service eq 's3') {
        push @args, '-H', 'x-amz-content-sha256: ' . ($a{payload} // 'UNSIGNED-PAYLOAD');
    }
    push @args, '-X', $a{method} if $a{method};
    push @args, @{ $a{args} || [] };
    return curl(@args, $a{url});
}

# botocore helpers: presigned URL, or signed headers for a request
sub _botocore {
    my ($script, @argv) = @_;
    my $cmd = join ' ', 'python3', '-c', _shell_quote($script),
                        map { _shell_quote($_) } @argv;
    my $out = `$cmd 2>&1`;
    chomp $out;
    return $out;
}

sub presign {
    my (%a) = @_;
    return _botocore(<<'PY', $a{url}, $a{key}, $a{secret}, $a{region} // 'us-east-1', $a{expires} // 300, $a{method} // 'GET');
import sys
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret, region, expires, method = sys.argv[1:7]
req = AWSRequest(method=method, url=url)
S3SigV4QueryAuth(Credentials(key, secret), "s3", region, expires=int(expires)).add_auth(req)
print(req.url)
PY
}

# headers botocore (S3SigV4Auth or SigV4Auth) would send: a list of -H args
sub sign_headers {
    my (%a) = @_;
    my $out = _botocore(<<'PY', $a{url}, $a{key}, $a{secret}, $a{region} // 'us-east-1', $a{service} // 's3', $a{method} // 'GET', $a{body} // '');
import sys
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret, region, service, method, body = sys.argv[1:8]
req = AWSRequest(method=method, url=url, data=body.encode())
cls = S3SigV4Auth if service == "s3" else SigV4Auth
cls(Credentials(key, secret), service, region).add_auth(req)
for k, v in req.headers.items():
    if k.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"):
        print("%s: %s" % (k, v))
PY
    return map { ('-H', $_) } grep { /:/ } split /\n/, $out;
}

END {
    nginx_stop($_) for @running;
}

1;
