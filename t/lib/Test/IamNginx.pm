package Test::IamNginx;

# A small core-Perl harness for ngx_iam's integration tests, in the manner of
# nginx-tests' lib/Test/Nginx.pm: every test file writes its own nginx.conf
# into a temporary directory, reserves free loopback ports, starts a real
# nginx (daemon, master + one worker), drives it with real clients, and
# stops it by its pid.  A test fails when error.log has [alert], [crit] or
# [emerg] lines it did not expect.
#
#   my $t = Test::IamNginx->new(need => [qw(curl)]);   # skips when it can't run
#   $t->write_file('account.json', $json);
#   $t->write_config(<<'EOF');                        # the inside of http { }
#       iam_account %%DIR%%/account.json;
#       server { listen 127.0.0.1:%%PORT:main%%; ... }
#   EOF
#   $t->run;
#   my $r = $t->curl('/bucket/key', sigv4 => 'aws:amz:us-east-1:s3',
#                    user => 'AKID:SECRET');
#   is($r->{status}, 200, 'allowed');
#   $t->done;                                       # stop, check error.log
#
# Placeholders in configs: %%DIR%% (the test's directory), %%PORT:NAME%% (a
# free port, reserved on first use), %%MODULE%% (the module's .so).
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx), IAM_MODULE
# (default build/ngx_http_iam_module.so), TEST_NGINX_LEAVE=1 keeps the
# directory for a look afterwards.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(s3_error describe json_encode json_decode iso8601
                    which repo_root run_cmd aws_cli python_botocore
                    node_clients);

our $ROOT   = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $NGINX  = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';

# make test-valgrind: nginx runs in one process under memcheck, logging to
# $IAM_VALGRIND/; tools/valgrind/run reads the logs.  Everything is slower.
my $VALGRIND = $ENV{IAM_VALGRIND};
my $SLOW     = $VALGRIND ? 12 : 1;
our $MODULE = $ENV{IAM_MODULE} // "$ROOT/build/ngx_http_iam_module.so";

my @instances;


sub repo_root { $ROOT }


sub which {
    my ($prog) = @_;

    return -x $prog ? $prog : undef if $prog =~ m{/};

    for my $d (split /:/, $ENV{PATH} // '') {
        return "$d/$prog" if $d ne '' && -x "$d/$prog" && !-d "$d/$prog";
    }

    return undef;
}


# The clients a test can ask for with need => [...]; each resolves to a
# command or undef, and a test that lacks one is skipped with the reason.

sub aws_cli {
    # Debian's awscli (v2) first: a pyenv shim may shadow it with v1
    return $ENV{TEST_AWS_CLI} if $ENV{TEST_AWS_CLI};
    return '/usr/bin/aws' if -x '/usr/bin/aws';
    return which('aws');
}

sub python_botocore {
    for my $py ($ENV{TEST_PYTHON} // (), '/usr/bin/python3', which('python3')) {
        next unless defined $py && -x $py;
        return $py if system("$py -c 'import botocore' >/dev/null 2>&1") == 0;
    }
    return undef;
}

sub node_clients {
    my $node = which('node') or return undef;
    return undef unless -d "$ROOT/t/node_modules/aws4"
                     && -d "$ROOT/t/node_modules/\@aws-sdk/client-s3";
    return $node;
}

my %NEED = (
    curl     => sub { which('curl') ? undef : 'curl not installed' },
    openssl  => sub { which('openssl') ? undef : 'openssl not installed' },
    aws      => sub { aws_cli() ? undef : 'the AWS CLI is not installed' },
    botocore => sub { python_botocore() ? undef
                          : 'python3 with botocore is not installed' },
    node     => sub { node_clients() ? undef
                          : 'node or t/node_modules missing (run make deps)' },
);


sub new {
    my ($class, %opt) = @_;

    if (!-x $NGINX) {
        plan skip_all => "no nginx binary at $NGINX";
    }

    if (!$opt{no_module} && !-f $MODULE) {
        plan skip_all => "the module is not built: $MODULE is missing "
                         . "(run make module)";
    }

    for my $need (@{ $opt{need} // [] }) {
        my $why = $NEED{$need} ? $NEED{$need}->()
                               : "unknown requirement '$need'";
        plan skip_all => $why if defined $why;
    }

    my $dir = tempdir('ngx_iam_t_XXXXXX', TMPDIR => 1,
                      CLEANUP => !$ENV{TEST_NGINX_LEAVE});

    # the worker runs as nobody when we are root: let it read what we write
    chmod 0755, $dir;
    make_path("$dir/tmp", "$dir/logs", { mode => 0755 });

    my $self = bless {
        dir     => $dir,
        ports   => {},
        running => 0,
        allow   => [],
        opt     => \%opt,
    }, $class;

    push @instances, $self;

    diag("test directory: $dir") if $ENV{TEST_NGINX_LEAVE};

    return $self;
}


sub dir { $_[0]{dir} }

sub module { $MODULE }

sub nginx { $NGINX }


# A free loopback port: bind to port 0, read it back, close.  Reserved per
# name, so %%PORT:s3%% is the same port everywhere in a test.

my %taken;

sub port {
    my ($self, $name) = @_;

    $name //= 'main';

    return $self->{ports}{$name} if $self->{ports}{$name};

    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 1)
            or die "cannot bind a loopback port: $!";
        my $port = $s->sockport;
        close $s;
        next if $taken{$port}++;
        return $self->{ports}{$name} = $port;
    }

    die "no free port found";
}


sub url {
    my ($self, $path, $name, $scheme) = @_;

    $scheme //= 'http';
    return "$scheme://127.0.0.1:" . $self->port($name) . ($path // '/');
}


sub expand {
    my ($self, $text) = @_;

    my $d = $self->{dir};
    (my $log = $Test::IamNginx::DECISION_LOG_FORMAT)
        .= "    access_log $d/decisions.log iam_decisions;\n";
    $text =~ s/%%DECISION_LOG%%/$log/g;
    $text =~ s/%%DIR%%/$self->{dir}/g;
    $text =~ s/%%MODULE%%/$MODULE/g;
    $text =~ s/%%PORT:(\w+)%%/$self->port($1)/ge;
    $text =~ s/%%PORT%%/$self->port('main')/ge;

    return $text;
}


sub write_file {
    my ($self, $name, $content, $mode) = @_;

    my $path = $name =~ m{^/} ? $name : "$self->{dir}/$name";

    make_path(dirname($path), { mode => 0755 });

    open my $fh, '>:raw', $path or die "cannot write $path: $!";
    print $fh $content;
    close $fh or die "cannot write $path: $!";

    chmod $mode // 0644, $path;

    return $path;
}


sub read_file {
    my ($self, $name) = @_;

    my $path = $name =~ m{^/} ? $name : "$self->{dir}/$name";

    open my $fh, '<:raw', $path or return undef;
    local $/;
    my $content = <$fh>;
    close $fh;

    return $content;
}


# A directory the worker (nobody, when we run as root) may write into: the
# target of DAV PUTs.
sub writable_dir {
    my ($self, $name) = @_;

    my $path = "$self->{dir}/$name";
    make_path($path);
    chmod 0777, $path;

    return $path;
}


# The main context every test shares; the test gives the inside of http {}.
sub main_conf {
    my ($self, %opt) = @_;

    my $d = $self->{dir};

    my $load = $self->{opt}{no_module} ? '' : "load_module $MODULE;";

    return <<"EOF";
$load

${\($VALGRIND ? "daemon off;\nmaster_process off;"
             : "daemon on;\nmaster_process on;")}
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log ${\($opt{log_level} // 'info')};
$opt{main}

events {
    worker_connections 256;
}
EOF
}


sub http_preamble {
    my ($self) = @_;

    my $d = $self->{dir};

    return <<"EOF";
    client_body_temp_path $d/tmp/body;
    proxy_temp_path       $d/tmp/proxy;
    fastcgi_temp_path     $d/tmp/fastcgi;
    uwsgi_temp_path       $d/tmp/uwsgi;
    scgi_temp_path        $d/tmp/scgi;

    access_log            $d/access.log;
    default_type          application/octet-stream;
EOF
}


sub write_config {
    my ($self, $http, %opt) = @_;

    my $conf = $self->main_conf(%opt, main => $opt{main} // '')
             . "\nhttp {\n" . $self->http_preamble . "\n"
             . $self->expand($http) . "\n}\n";

    $self->write_file($opt{file} // 'nginx.conf', $conf);

    return $conf;
}


# A complete nginx.conf given as is (placeholders expanded): conf-examples.
sub write_raw_config {
    my ($self, $conf, %opt) = @_;

    $self->write_file($opt{file} // 'nginx.conf', $self->expand($conf));
}


# Runs a command; returns { rc, out, err } (rc is the exit status, or -1
# when it had to be killed after the timeout).
sub run_cmd {
    my ($cmd, %opt) = @_;

    my $tmp = tempdir('ngx_iam_cmd_XXXXXX', TMPDIR => 1, CLEANUP => 1);

    if (defined $opt{stdin}) {
        open my $in, '>:raw', "$tmp/in" or die "$tmp/in: $!";
        print $in $opt{stdin};
        close $in;
    }

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDIN, '<', defined $opt{stdin} ? "$tmp/in" : '/dev/null';
        open STDOUT, '>', "$tmp/out";
        open STDERR, '>', "$tmp/err";
        chdir $opt{cwd} if $opt{cwd};
        while (my ($k, $v) = each %{ $opt{env} // {} }) {
            if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
        }
        exec { $cmd->[0] } @$cmd or do {
            print STDERR "exec $cmd->[0]: $!\n";
            POSIX::_exit(127);
        };
    }

    my $deadline = time + ($opt{timeout} // 60);
    my $rc;

    while (1) {
        my $w = waitpid($pid, WNOHANG);
        if ($w == $pid) { $rc = $? >> 8; $rc = -1 if $? & 127; last }
        if (time > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            $rc = -1;
            last;
        }
        sleep 0.01;
    }

    my %r = (rc => $rc);

    for my $f (qw(out err)) {
        open my $fh, '<:raw', "$tmp/$f";
        local $/;
        $r{$f} = <$fh> // '';
        close $fh;
    }

    $r{err} .= "\n(killed after the timeout)" if $rc == -1;

    return \%r;
}


sub run {
    my ($self) = @_;

    my $d = $self->{dir};

    unlink "$d/nginx.pid";

    my $r = $VALGRIND
            ? $self->valgrind_start
            : run_cmd([ $NGINX, '-p', "$d/", '-c', "$d/nginx.conf",
                        '-e', "$d/error.log" ], timeout => 20);

    if ($r->{rc} != 0) {
        fail('nginx starts');
        diag("nginx exited $r->{rc}:\n$r->{out}$r->{err}");
        diag("error.log:\n" . ($self->read_file('error.log') // ''));
        done_testing();
        exit 1;
    }

    $self->{running} = 1;

    my $deadline = time + 10 * $SLOW;

    until (-s "$d/nginx.pid") {
        if (time > $deadline) {
            fail('nginx writes its pid file');
            done_testing();
            exit 1;
        }
        sleep 0.02;
    }

    $self->wait_for_ports;

    return $self;
}


# nginx in the foreground under valgrind, in the background of the test:
# nginx -t first, so that a bad configuration fails as it does without.
sub valgrind_start {
    my ($self) = @_;

    my $d = $self->{dir};
    my $r = run_cmd([ $NGINX, '-t', '-q', '-p', "$d/", '-c', "$d/nginx.conf",
                      '-e', "$d/error.log" ], timeout => 20);
    return $r if $r->{rc} != 0;

    (my $name = $d) =~ s{.*/}{};
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$d/valgrind.out";
        open STDERR, '>&', \*STDOUT;
        exec 'valgrind', '--tool=memcheck', '--leak-check=full',
             '--errors-for-leak-kinds=definite', '--num-callers=30',
             "--suppressions=$ROOT/tools/valgrind/nginx.supp",
             "--log-file=$VALGRIND/$name-%p.log",
             $NGINX, '-p', "$d/", '-c', "$d/nginx.conf",
             '-e', "$d/error.log"
            or POSIX::_exit(127);
    }

    return { rc => 0, out => '', err => '' };
}


sub pid {
    my ($self) = @_;

    my $pid = $self->read_file('nginx.pid') // return undef;
    $pid =~ s/\s+//g;

    return $pid =~ /^\d+$/ ? $pid : undef;
}


sub wait_for_ports {
    my ($self) = @_;

    my $conf = $self->read_file('nginx.conf') // '';

    for my $port (values %{ $self->{ports} }) {
        # only ports the configuration listens on
        next unless $conf =~ /listen\s+(?:127\.0\.0\.1:)?$port\b/;

        my $deadline = time + 10 * $SLOW;
        until (IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp')) {
            if (time > $deadline) {
                fail("nginx listens on port $port");
                return 0;
            }
            sleep 0.02;
        }
    }

    return 1;
}


sub alive {
    my ($pid) = @_;

    return 0 unless kill 0, $pid;

    # a zombie nobody reaped is gone for us
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh> // '';
        return 0 if $stat =~ /^\d+ \(.*\) Z/;
    }

    return 1;
}


sub stop {
    my ($self) = @_;

    return unless $self->{running};
    $self->{running} = 0;

    my $pid = $self->pid or return;

    kill 'QUIT', $pid;

    my $deadline = time + 5 * $SLOW;
    while (alive($pid) && time < $deadline) {
        waitpid($pid, WNOHANG) if $VALGRIND;
        sleep 0.02;
    }

    if (alive($pid)) {
        # the master is a session leader (daemon): take its workers too
        kill 'KILL', -$pid;
        kill 'KILL', $pid;
        $self->{killed} = 1;
    }
}


# Reload: HUP the master and wait for the outcome in error.log.  With
# expect => 'fail', waits for the [emerg] of the refused configuration.
sub reload {
    my ($self, %opt) = @_;

    my $pid  = $self->pid or die 'nginx is not running';
    my $mark = $self->log_mark;

    kill 'HUP', $pid;

    my $want = ($opt{expect} // 'ok') eq 'fail'
             ? qr/\[emerg\]/
             : qr/start worker process/;

    my $deadline = time + 10;

    while (time < $deadline) {
        my $new = $self->error_log_since($mark);
        if ($new =~ $want) {
            # let old workers finish and new ones accept
            sleep 0.2;
            return $new;
        }
        sleep 0.05;
    }

    return $self->error_log_since($mark);
}


sub error_log {
    my ($self) = @_;

    return $self->read_file('error.log') // '';
}


sub log_mark {
    my ($self, $file) = @_;

    return -s "$self->{dir}/" . ($file // 'error.log') || 0;
}


sub error_log_since {
    my ($self, $mark, $file) = @_;

    my $log = $self->read_file($file // 'error.log') // '';

    return substr($log, $mark // 0);
}


# The lines a log file gained since $mark, waiting up to a second for the
# expected count (nginx writes access logs after the response is sent).
sub log_lines_since {
    my ($self, $file, $mark, $count) = @_;

    my $deadline = time + 2;
    my @lines;

    while (1) {
        @lines = grep { length } split /\n/,
                 $self->error_log_since($mark, $file);
        last if @lines >= ($count // 1) || time > $deadline;
        sleep 0.02;
    }

    return @lines;
}


# Expected [emerg]/[alert]/[crit] lines, for tests that provoke them.
sub allow_log {
    my ($self, @re) = @_;

    push @{ $self->{allow} }, @re;
}


sub check_error_log {
    my ($self) = @_;

    my @bad = grep {
        my $line = $_;
        /\[(alert|crit|emerg)\]/ && !grep { $line =~ $_ } @{ $self->{allow} }
    } split /\n/, $self->error_log;

    ok(!@bad, 'error.log has no [alert], [crit] or [emerg] lines')
        or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);

    ok(!$self->{killed}, 'nginx stopped on QUIT')
        if exists $self->{killed};
}


sub done {
    my ($self) = @_;

    $self->stop;
    $self->check_error_log;

    done_testing();
}


# The decision log: one JSON object a line, written with escape=json, the
# way conf-examples log decisions.  Put %%DECISION_LOG%% inside http {} and
# read it back with decisions().
our $DECISION_LOG_FORMAT = <<'EOF';
    log_format iam_decisions escape=json
        '{"time":"$time_iso8601","remote":"$remote_addr",'
        '"method":"$request_method","uri":"$request_uri","status":$status,'
        '"principal":"$iam_principal","access_key":"$iam_access_key",'
        '"action":"$iam_action","resource":"$iam_resource",'
        '"decision":"$iam_decision","statement":"$iam_statement",'
        '"auth_error":"$iam_auth_error"}';
EOF


sub decision_log_mark {
    my ($self) = @_;

    return $self->log_mark('decisions.log');
}


# The decision records written since $mark, decoded; waits for $count.
sub decisions {
    my ($self, $mark, $count) = @_;

    return map {
        json_decode($_) // { unparsable => $_ }
    } $self->log_lines_since('decisions.log', $mark, $count);
}


# The last decision record for a request; waits for it to be written.
sub last_decision {
    my ($self, $mark) = @_;

    my @d = $self->decisions($mark, 1);

    return $d[-1] // {};
}


# nginx -t on a configuration file of the test directory.
sub nginx_t {
    my ($self, $conf) = @_;

    my $d = $self->{dir};

    $conf //= 'nginx.conf';
    $conf = "$d/$conf" unless $conf =~ m{^/};

    my $r = run_cmd([ $NGINX, '-t', '-p', "$d/", '-c', $conf,
                      '-e', "$d/error-t.log" ], timeout => 20);

    $r->{output} = $r->{out} . $r->{err};

    return $r;
}


# nginx -t must fail, and say $re.
sub nginx_t_fails {
    my ($self, $conf, $re, $name) = @_;

    my $r = $self->nginx_t($conf);

    ok($r->{rc} != 0, "$name: nginx -t fails")
        or diag($r->{output});
    like($r->{output}, $re, "$name: nginx -t says why")
        or diag($r->{output});

    return $r;
}


sub nginx_t_ok {
    my ($self, $conf, $name) = @_;

    my $r = $self->nginx_t($conf);

    is($r->{rc}, 0, "$name: nginx -t passes") or diag($r->{output});

    return $r;
}


# curl against the test's nginx.
#   $t->curl($path_or_url, port => NAME, method => 'PUT', data => $body,
#            headers => [ 'X-A: b', ... ], sigv4 => 'aws:amz:R:S',
#            user => 'AKID:SECRET', insecure => 1, args => [ ... ])
# Returns { status, headers => { lc name => value }, head, body, rc, err }.
sub curl {
    my ($self, $target, %opt) = @_;

    my $url = $target =~ m{^https?://} ? $target
            : $self->url($target, $opt{port}, $opt{scheme});

    my $tmp = tempdir('ngx_iam_curl_XXXXXX', TMPDIR => 1, CLEANUP => 1);

    my @cmd = ('curl', '-sS', '--max-time', $opt{timeout} // 10,
               '-o', "$tmp/body", '-D', "$tmp/head",
               '-w', '%{http_code}', '--path-as-is');

    push @cmd, '-X', $opt{method} if $opt{method};
    push @cmd, '-I' if $opt{head};
    push @cmd, '-k' if $opt{insecure} || $url =~ /^https/;

    if ($opt{sigv4}) {
        push @cmd, '--aws-sigv4', $opt{sigv4};
        push @cmd, '--user', $opt{user} if defined $opt{user};

        # curl 7.88 signs UNSIGNED-PAYLOAD for S3 only when told to, and S3
        # requires the header
        if ($opt{sigv4} =~ /:s3$/ && !$opt{no_content_sha256}) {
            push @cmd, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD';
        }
    }

    push @cmd, map { ('-H', $_) } @{ $opt{headers} // [] };

    if (defined $opt{data}) {
        my $f = "$tmp/data";
        open my $fh, '>:raw', $f or die $!;
        print $fh $opt{data};
        close $fh;
        push @cmd, '--data-binary', "\@$f";
    }

    push @cmd, @{ $opt{args} // [] };
    push @cmd, $url;

    my $r = run_cmd(\@cmd, timeout => ($opt{timeout} // 10) + 5);

    my %res = (rc => $r->{rc}, err => $r->{err}, cmd => \@cmd);

    $res{status} = $r->{out} =~ /^(\d{3})/ ? $1 + 0 : 0;

    for my $f (qw(body head)) {
        if (open my $fh, '<:raw', "$tmp/$f") {
            local $/;
            $res{$f} = <$fh> // '';
        } else {
            $res{$f} = '';
        }
    }

    # the last response's headers (after any 100 Continue)
    my @blocks = split /\r?\n\r?\n/, $res{head};
    my $last = (grep { /^HTTP\// } @blocks)[-1] // '';
    my %h;
    for my $line (split /\r?\n/, $last) {
        next unless $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
        my $k = lc $1;
        $h{$k} = exists $h{$k} ? "$h{$k}, $2" : $2;
    }
    $res{headers} = \%h;

    return \%res;
}


# The S3 error in an XML body: { code, message, xml } or undef.
sub s3_error {
    my ($body) = @_;

    return undef unless defined $body && $body =~ m{<Error>(.*)</Error>}s;

    my $xml = $1;
    my %e = (xml => $xml);

    for my $tag (qw(Code Message Region RequestId)) {
        $e{lc $tag} = $1 if $xml =~ m{<$tag>(.*?)</$tag>}s;
    }

    return \%e;
}


# The AWS CLI and botocore, configured in the test directory only: never
# the user's ~/.aws, never instance metadata.
sub aws_env {
    my ($self, %a) = @_;

    my $d = "$self->{dir}/aws";
    my $profile = $a{profile} // 'default';

    my $config = $self->read_file("$d/config") // '';
    my $creds = $self->read_file("$d/credentials") // '';

    my $section = $profile eq 'default' ? 'default' : "profile $profile";

    if ($config !~ /^\[\Q$section\E\]/m) {
        $config .= "[$section]\n"
                 . 'region = ' . ($a{region} // 'us-east-1') . "\n"
                 . "output = json\n"
                 . "s3 =\n"
                 . "    addressing_style = path\n"
                 . "    signature_version = s3v4\n"
                 . "    payload_signing_enabled = true\n";
        $self->write_file("$d/config", $config);
    }

    if (defined $a{key} && $creds !~ /^\[\Q$profile\E\]/m) {
        $creds .= "[$profile]\n"
                . "aws_access_key_id = $a{key}\n"
                . "aws_secret_access_key = $a{secret}\n";
        $self->write_file("$d/credentials", $creds, 0600);
    }

    return {
        AWS_CONFIG_FILE             => "$d/config",
        AWS_SHARED_CREDENTIALS_FILE => "$d/credentials",
        AWS_PROFILE                 => $profile,
        AWS_EC2_METADATA_DISABLED   => 'true',
        AWS_PAGER                   => '',
        AWS_ACCESS_KEY_ID           => undef,
        AWS_SECRET_ACCESS_KEY       => undef,
        AWS_SESSION_TOKEN           => undef,
        AWS_DEFAULT_REGION          => undef,
        AWS_REGION                  => undef,
        AWS_ENDPOINT_URL            => undef,
        AWS_CA_BUNDLE               => undef,
        HOME                        => $d,
    };
}


# aws ARGS... as a profile: { rc, out, err }.
sub aws {
    my ($self, $profile, @args) = @_;

    return run_cmd([ aws_cli(), @args ],
                   env => $self->aws_env(profile => $profile),
                   timeout => 60);
}


# A script of t/clients/ run with python3 (botocore) or node.
sub client {
    my ($self, $script, @args) = @_;

    my $path = "$ROOT/t/clients/$script";
    my $interp = $script =~ /\.py$/ ? python_botocore() : node_clients();

    my %opt = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();

    return run_cmd([ $interp, $path, @args ],
                   env => { %{ $self->aws_env(profile => 'none') },
                            NODE_PATH => "$ROOT/t/node_modules",
                            %{ $opt{env} // {} } },
                   stdin => $opt{stdin}, timeout => 60);
}


# One line of description for a response, for diagnostics.
sub describe {
    my ($r) = @_;

    my $body = $r->{body} // '';
    $body = substr($body, 0, 300) . '...' if length $body > 300;

    return "status $r->{status}, curl rc $r->{rc} $r->{err}\n$body";
}


# JSON::PP is core since 5.14.
sub json_encode {
    require JSON::PP;
    return JSON::PP->new->canonical->pretty->encode($_[0]);
}

sub json_decode {
    require JSON::PP;
    return eval { JSON::PP->new->decode($_[0]) };
}


sub iso8601 {
    my ($t) = @_;

    my @g = gmtime($t);

    return sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ',
                   $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0]);
}


sub DESTROY {
    my ($self) = @_;

    $self->stop;
}


END {
    my $status = $?;
    $_->stop for grep { $_->{running} } @instances;
    $? = $status;
}


1;
