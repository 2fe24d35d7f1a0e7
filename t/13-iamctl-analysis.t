#!/usr/bin/perl
# iamctl's access analysis as a user runs it: validate's findings (one
# policy that triggers each issue code and one that does not), its JSON and
# SARIF output and --fail-on; custom services declared in an account file.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;
use FindBin;

my $root = "$FindBin::Bin/..";
my $iamctl = "$root/build/iamctl";
plan skip_all => "build/iamctl is not built (run make)" unless -x $iamctl;

my $dir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical;
my $n = 0;

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die "$name: $!";
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

sub run {
    my (@cmd) = @_;
    my $out = `@cmd 2>&1`;
    return ($? >> 8, $out);
}

sub policy {
    my (@st) = @_;
    return { Version => '2012-10-17', Statement => [ @st ] };
}

# the findings of one document, as --format json gives them
sub findings {
    my ($doc) = @_;
    my $file = write_file('p' . $n++ . '.json',
                          ref $doc ? $json->pretty->encode($doc) : $doc);
    my ($rc, $out) = run($iamctl, 'validate', '--format', 'json', $file);
    return map { $json->decode($_) } grep { /^\{/ } split /\n/, $out;
}

sub codes { return join ' ', map { $_->{issueCode} } findings(@_) }

my $B = 'arn:aws:s3:::bucket';

# [ issue code, finding type, a policy with it, a policy without it ]
my @cases = (
    [ 'MISSING_VERSION', 'WARNING',
      { Statement => [ { Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*" } ] },
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*" }) ],
    [ 'INVALID_ACTION', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:GetObjekt', Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*" }) ],
    [ 'INVALID_ACTION', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:Fetch*', Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => 's3:GetObject*', Resource => "$B/*" }) ],
    [ 'INVALID_SERVICE', 'ERROR',
      policy({ Effect => 'Allow', Action => 'nosuchsvc:Get', Resource => '*' }),
      policy({ Effect => 'Allow', Action => 'sqs:SendMessage', Resource => '*' }) ],
    [ 'PASS_ROLE_WITH_STAR_IN_RESOURCE', 'SECURITY_WARNING',
      policy({ Effect => 'Allow', Action => 'iam:PassRole', Resource => '*' }),
      policy({ Effect => 'Allow', Action => 'iam:PassRole',
               Resource => 'arn:aws:iam::123456789012:role/app-runner' }) ],
    [ 'PASS_ROLE_WITH_NOT_RESOURCE', 'SECURITY_WARNING',
      policy({ Effect => 'Allow', Action => 'iam:Pass*',
               NotResource => 'arn:aws:iam::123456789012:role/admin' }),
      policy({ Effect => 'Allow', Action => 'iam:GetRole',
               NotResource => 'arn:aws:iam::123456789012:role/admin' }) ],
    [ 'ALLOW_WITH_NOT_PRINCIPAL', 'SECURITY_WARNING',
      policy({ Effect => 'Allow', NotPrincipal => { AWS => 'arn:aws:iam::111122223333:root' },
               Action => 's3:GetObject', Resource => "$B/*" }),
      policy({ Effect => 'Deny', NotPrincipal => { AWS => 'arn:aws:iam::111122223333:root' },
               Action => 's3:GetObject', Resource => "$B/*" }) ],
    [ 'FORALLVALUES_WITH_SINGLE_VALUED_KEY', 'SECURITY_WARNING',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { 'ForAllValues:StringEquals' => { 'aws:PrincipalOrgID' => 'o-123' } } }),
      policy({ Effect => 'Allow', Action => 's3:PutObject', Resource => "$B/*",
               Condition => { 'ForAllValues:StringEquals' => { 'aws:TagKeys' => 'team' } } }) ],
    [ 'DATA_TYPE_MISMATCH', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { DateGreaterThan => { 'aws:SourceIp' => '2020-01-01T00:00:00Z' } } }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { DateGreaterThan => { 'aws:CurrentTime' => '2020-01-01T00:00:00Z' } } }) ],
    [ 'INVALID_GLOBAL_CONDITION_KEY', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { StringEquals => { 'aws:SourceIpAddress' => 'x' } } }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { IpAddress => { 'aws:SourceIp' => '10.0.0.0/8' } } }) ],
    [ 'INVALID_SERVICE_CONDITION_KEY', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:ListBucket', Resource => $B,
               Condition => { StringLike => { 's3:prefixes' => 'home/*' } } }),
      policy({ Effect => 'Allow', Action => 's3:ListBucket', Resource => $B,
               Condition => { StringLike => { 's3:prefix' => 'home/*' } } }) ],
    [ 'INVALID_SERVICE_CONDITION_KEY', 'ERROR',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { StringEquals => { 's3:ExistingTag/team' => 'x' } } }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { StringEquals => { 's3:ExistingObjectTag/team' => 'x' } } }) ],
    [ 'INVALID_CONDITION_KEY_FOR_ACTION', 'WARNING',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
               Condition => { StringLike => { 's3:prefix' => 'home/*' } } }),
      policy({ Effect => 'Allow', Action => 's3:ListBucket', Resource => $B,
               Condition => { StringLike => { 's3:prefix' => 'home/*' } } }) ],
    [ 'MISMATCHED_ACTION_FOR_RESOURCE', 'WARNING',
      policy({ Effect => 'Allow', Action => 's3:ListBucket', Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => 's3:ListBucket', Resource => $B }) ],
    [ 'MISMATCHED_ACTION_FOR_RESOURCE', 'WARNING',
      policy({ Effect => 'Allow', Action => 's3:PutBucket*', Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => 's3:PutBucket*', Resource => $B }) ],
    [ 'MISMATCHED_ACTION_FOR_RESOURCE', 'WARNING',
      policy({ Effect => 'Allow', Action => 'logs:PutLogEvents', Resource => 'arn:aws:sqs:us-east-1:123456789012:q' }),
      policy({ Effect => 'Allow', Action => 'logs:PutLogEvents',
               Resource => 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*' }) ],
    [ 'REDUNDANT_ACTION', 'SUGGESTION',
      policy({ Effect => 'Allow', Action => [ 's3:Get*', 's3:GetObject' ], Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => [ 's3:Get*', 's3:PutObject' ], Resource => "$B/*" }) ],
    [ 'REDUNDANT_RESOURCE', 'SUGGESTION',
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => [ "$B/*", "$B/a/b" ] }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => [ "$B/a/*", "$B/b/*" ] }) ],
    [ 'REDUNDANT_STATEMENT', 'SUGGESTION',
      policy({ Effect => 'Allow', Action => 's3:Get*', Resource => "$B/*" },
             { Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/home/*" }),
      policy({ Effect => 'Allow', Action => 's3:Get*', Resource => "$B/*" },
             { Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/home/*",
               Condition => { Bool => { 'aws:SecureTransport' => 'true' } } }) ],
    [ 'WILDCARD_IN_SERVICE_NAME', 'SUGGESTION',
      policy({ Effect => 'Allow', Action => 's*:GetObject', Resource => "$B/*" }),
      policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*" }) ],
);

for my $c (@cases) {
    my ($code, $type, $with, $without) = @$c;
    my @f = grep { $_->{issueCode} eq $code } findings($with);
    is(scalar @f, 1, "$code: reported once") or diag(codes($with));
    is($f[0] && $f[0]->{findingType}, $type, "$code: a $type");
    is(scalar(grep { $_->{issueCode} eq $code } findings($without)), 0,
       "$code: not for the fixed policy") or diag(codes($without));
}

# text output: FILE:LINE:COLUMN, finding type, code, JSON path, message

my $file = write_file('text.json', <<'JSON');
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
      "Resource": "*" }
  ]
}
JSON
my ($rc, $out) = run($iamctl, 'validate', $file);
is($rc, 0, 'text: a SECURITY_WARNING alone exits 0 (default --fail-on ERROR)');
like($out, qr/^\Q$file\E:5:7: SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE: Statement\[0\]\.Resource: /,
     'text: the finding at the line and column of its key');
($rc) = run($iamctl, 'validate', '--fail-on', 'SECURITY_WARNING', $file);
is($rc, 1, '--fail-on SECURITY_WARNING: exits 1');
($rc) = run($iamctl, 'validate', '--fail-on', 'warning', $file);
is($rc, 1, '--fail-on WARNING (any case): a more severe finding fails too');
($rc, $out) = run($iamctl, 'validate', '--fail-on', 'SEVERE', $file);
is($rc, 2, '--fail-on with an unknown severity: exit 2');
like($out, qr/unknown severity/, '... and says so');

($rc, $out) = run($iamctl, 'validate', '--format', 'sarif', $file);
my $sarif = eval { $json->decode($out) };
is($sarif && $sarif->{version}, '2.1.0', 'sarif: a SARIF 2.1.0 log');
my $res = $sarif && $sarif->{runs}[0]{results}[0];
is($res && $res->{ruleId}, 'PASS_ROLE_WITH_STAR_IN_RESOURCE', 'sarif: the rule');
is($res && $res->{locations}[0]{physicalLocation}{region}{startLine}, 5,
   'sarif: the line');
is($sarif && $sarif->{runs}[0]{tool}{driver}{rules}[0]{id},
   'PASS_ROLE_WITH_STAR_IN_RESOURCE', 'sarif: the rule is described');

# a value of the wrong type for its operator: the engine refuses it, as
# AWS's DATA_TYPE_MISMATCH
my @dt = findings(policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => "$B/*",
                           Condition => { NumericLessThan => { 's3:max-keys' => 'ten' } } }));
is(scalar(grep { $_->{issueCode} eq 'DATA_TYPE_MISMATCH' && $_->{findingType} eq 'ERROR' } @dt), 1,
   'DATA_TYPE_MISMATCH: a value that is no number for NumericLessThan');

# an engine error stays a FILE:LINE:COLUMN line and exits 1 (DESIGN.md 4)
$file = write_file('bad.json', qq({ "Version": "2012-10-17",\n  "Statement": { "Effect": "Alow", "Action": "s3:GetObject", "Resource": "*" } }\n));
($rc, $out) = run($iamctl, 'validate', $file);
is($rc, 1, 'engine error: exit 1');
like($out, qr/^\Q$file\E:2:\d+: Statement\.Effect: /, 'engine error: its own line');
($rc, $out) = run($iamctl, 'validate', '--format', 'json', $file);
like($out, qr/"findingType":"ERROR","issueCode":"INVALID_EFFECT"/,
     'engine error in JSON: an ERROR with its issue code');

# custom services: declared in the account file, they validate

my $account = {
    account => '123456789012',
    services => { orders => { actions => [ 'GetOrder', 'ListOrders' ] } },
    policies => { Desk => policy({ Effect => 'Allow', Action => [ 'orders:GetOrder', 'orders:List*' ],
                                   Resource => 'arn:app:orders:eu-west-1:123456789012:order/*' }) },
    users => { desk => { policies => [ 'Desk' ] } },
};
$file = write_file('account.json', $json->pretty->encode($account));
($rc, $out) = run($iamctl, 'validate', $file);
is($rc, 0, 'custom service: declared actions validate') or diag($out);
is($out, '', 'custom service: no findings');

$account->{policies}{Desk}{Statement}[0]{Action} = 'orders:DeleteOrder';
$file = write_file('account2.json', $json->pretty->encode($account));
($rc, $out) = run($iamctl, 'validate', $file);
is($rc, 1, 'custom service: an undeclared action fails');
like($out, qr/ERROR INVALID_ACTION: policies\.Desk\.Statement\[0\]\.Action: "orders:DeleteOrder"/,
     'custom service: names the action and where it is');

my $standalone = write_file('desk.json', $json->encode(
    policy({ Effect => 'Allow', Action => 'orders:GetOrder', Resource => '*' })));
($rc, $out) = run($iamctl, 'validate', $standalone);
like($out, qr/INVALID_SERVICE/, 'custom service: unknown to a lone policy');
($rc, $out) = run($iamctl, 'validate', '--account', $file, $standalone);
is($rc, 0, 'custom service: --account brings the declarations') or diag($out);

delete $account->{services};
$account->{services} = { s3 => { actions => [ 'Foo' ] } };
$file = write_file('account3.json', $json->pretty->encode($account));
($rc, $out) = run($iamctl, 'validate', $file);
like($out, qr/INVALID_CUSTOM_SERVICE: services\.s3: "s3" is an AWS service/,
     'custom service: an AWS prefix cannot be redeclared');

# analyze external: who outside the account can do what

my $ACCT = '123456789012';
my $trust = sub {
    my ($principal, $cond) = @_;
    return policy({ Sid => 'Trust', Effect => 'Allow', Principal => $principal,
                    Action => 'sts:AssumeRole', $cond ? (Condition => $cond) : () });
};
my $ext_account = write_file('ext-account.json', $json->pretty->encode({
    account => $ACCT,
    policies => { P => policy({ Effect => 'Allow', Action => 's3:GetObject', Resource => '*' }) },
    roles => {
        partner => { trust => $trust->({ AWS => 'arn:aws:iam::111122223333:root' },
                                       { StringEquals => { 'sts:ExternalId' => 'shared-secret' } }),
                     policies => [ 'P' ] },
        internal => { trust => $trust->({ AWS => "arn:aws:iam::$ACCT:root" }), policies => [ 'P' ] },
        ec2 => { trust => $trust->({ Service => 'ec2.amazonaws.com' }), policies => [ 'P' ] },
        web => { trust => policy({ Effect => 'Allow', Principal => { Federated => 'cognito-identity.amazonaws.com' },
                                   Action => 'sts:AssumeRoleWithWebIdentity' }),
                 policies => [ 'P' ] },
    },
}));
my $bucket = {
    Version => '2012-10-17',
    Statement => [
        { Sid => 'Public', Effect => 'Allow', Principal => '*', Action => 's3:GetObject',
          Resource => 'arn:aws:s3:::site/*' },
        { Sid => 'Office', Effect => 'Allow', Principal => { AWS => '*' }, Action => 's3:PutObject',
          Resource => 'arn:aws:s3:::site/uploads/*',
          Condition => { IpAddress => { 'aws:SourceIp' => '203.0.113.0/24' } } },
        { Sid => 'Mine', Effect => 'Allow', Principal => { AWS => "arn:aws:iam::$ACCT:user/alice" },
          Action => 's3:*', Resource => 'arn:aws:s3:::site/*' },
    ],
};
my $bucket_file = write_file('bucket.json', $json->pretty->encode($bucket));

($rc, $out) = run($iamctl, 'analyze', 'external', '--format', 'json', $ext_account, $bucket_file);
is($rc, 0, 'external: exit 0');
my @ext = map { $json->decode($_) } grep { /^\{/ } split /\n/, $out;
my %by = map { ("$_->{source}|$_->{statement}" =~ s/^.*?: //r) => $_ } @ext;
is(scalar @ext, 4, 'external: partner, web, and two bucket statements; not the own account, not ec2')
    or diag($out);

my $partner = $by{'roles.partner.trust|Trust'};
is($partner && $partner->{access}, 'cross-account', 'external: the partner account');
is_deeply($partner && $partner->{conditions}, [ 'sts:ExternalId' ],
          'external: confined by sts:ExternalId');
is($partner && $partner->{request}{context}{'sts:ExternalId'}, 'shared-secret',
   'external: the request carries the external id that opens it');
ok($partner && $partner->{confirmed}, 'external: the engine allows that request');
is(($by{'roles.web.trust|0'} // {})->{access}, 'federated', 'external: the identity provider');
ok(!grep({ $_->{source} =~ /internal|ec2/ } @ext), 'external: own account and services are not external');

my $public = $by{"$bucket_file|Public"};
is($public && $public->{access}, 'public', 'external: Principal "*" is public');
is($public && $public->{request}{principal}, 'anonymous', 'external: asked anonymously');
my $office = $by{"$bucket_file|Office"};
is_deeply($office && $office->{conditions}, [ 'aws:SourceIp' ], 'external: confined by aws:SourceIp');

# each request, through iamctl simulate itself
for my $f (grep { $_->{source} eq $bucket_file } @ext) {
    my $case = JSON::PP->new->canonical->encode({ resource_policy => $bucket, request => $f->{request},
                               $f->{request}{principal} eq 'anonymous' ? () :
                               (identity_policies => [ policy({ Effect => 'Allow', Action => '*', Resource => '*' }) ]) });
    my $file = write_file('case.jsonl', "$case\n");
    my ($src, $sout) = run("$iamctl simulate < $file");
    like($sout, qr/"decision":"allowed"/, "external: simulate confirms $f->{statement}")
        or diag("$case\n$sout");
}

$bucket->{Statement}[0]{Principal} = { AWS => "arn:aws:iam::$ACCT:root" };
$bucket->{Statement}[1]{Principal} = { AWS => "arn:aws:iam::$ACCT:root" };
($rc, $out) = run($iamctl, 'analyze', 'external', $ext_account,
                  write_file('bucket-private.json', $json->encode($bucket)));
unlike($out, qr/bucket-private/, 'external: a bucket policy for the own account only: no finding');

# check-no-public-access

my %policies = (
    'public' => [ 1, policy({ Effect => 'Allow', Principal => '*', Action => 's3:GetObject',
                              Resource => 'arn:aws:s3:::site/*' }) ],
    'not-principal' => [ 1, policy({ Effect => 'Allow', NotPrincipal => { AWS => "arn:aws:iam::$ACCT:root" },
                                     Action => 's3:GetObject', Resource => 'arn:aws:s3:::site/*' }) ],
    'confined' => [ 0, policy({ Effect => 'Allow', Principal => { AWS => '*' }, Action => 's3:GetObject',
                                Resource => 'arn:aws:s3:::site/*',
                                Condition => { StringEquals => { 'aws:PrincipalOrgID' => 'o-123' } } }) ],
    'account' => [ 0, policy({ Effect => 'Allow', Principal => { AWS => '111122223333' },
                               Action => 's3:GetObject', Resource => 'arn:aws:s3:::site/*' }) ],
    'if-exists' => [ 1, policy({ Effect => 'Allow', Principal => '*', Action => 's3:GetObject',
                                 Resource => 'arn:aws:s3:::site/*',
                                 Condition => { StringEqualsIfExists => { 'aws:PrincipalOrgID' => 'o-123' } } }) ],
);
for my $name (sort keys %policies) {
    my ($is_public, $doc) = @{ $policies{$name} };
    my $f = write_file("pub-$name.json", $json->encode($doc));
    ($rc, $out) = run($iamctl, 'check-no-public-access', '--format', 'json', $f);
    my $res = eval { $json->decode($out) } // {};
    if ($is_public) {
        is($rc, 1, "check-no-public-access $name: FAIL exits 1");
        is($res->{result}, 'FAIL', "check-no-public-access $name: FAIL");
        ok($res->{counterexample}, "check-no-public-access $name: with a public request");
    } else {
        is($rc, 0, "check-no-public-access $name: PASS exits 0");
        is($res->{result}, 'PASS', "check-no-public-access $name: PASS");
        ok(!$res->{counterexample}, "check-no-public-access $name: no request");
    }
}

# public, but a Deny blocks every public request: not a wrong PASS
my $blocked = write_file('pub-blocked.json', $json->encode(policy(
    { Effect => 'Allow', Principal => '*', Action => 's3:GetObject', Resource => 'arn:aws:s3:::site/*' },
    { Effect => 'Deny', Principal => '*', Action => 's3:*', Resource => '*' })));
($rc, $out) = run($iamctl, 'check-no-public-access', $blocked);
is($rc, 3, 'check-no-public-access: unconfirmed public statement: UNKNOWN, exit 3');
like($out, qr/^UNKNOWN/, 'check-no-public-access: says UNKNOWN');

($rc, $out) = run($iamctl, 'check-no-public-access', $ext_account);
is($rc, 2, 'check-no-public-access: not a policy: exit 2');

done_testing();
