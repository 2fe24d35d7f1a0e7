package IamSkip;

# Skips that cannot go unnoticed: a test may skip what needs a client that
# is not installed, but under `make test` (IAM_TEST_STRICT=1, which CI
# runs) a missing client is a failure, never a quiet skip.

use strict;
use warnings;
use Test::More ();
use Exporter qw(import);

our @EXPORT = qw(skip_unless);

sub skip_unless {
    my ($cond, $why, $count) = @_;

    return if $cond;

    if ($ENV{IAM_TEST_STRICT}) {
        Test::More::fail("required for this test: $why");
        no warnings 'exiting';
        last SKIP;
    }

    Test::More::skip($why, $count);
}

1;
