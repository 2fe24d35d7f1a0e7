/*
 * iamctl check-no-new-access, check-access-not-granted: proofs with Z3.
 */

#ifndef _IAMCTL_CHECK_H_INCLUDED_
#define _IAMCTL_CHECK_H_INCLUDED_


int iamctl_check_no_new_access(int argc, char **argv);
int iamctl_check_access_not_granted(int argc, char **argv);


#endif /* _IAMCTL_CHECK_H_INCLUDED_ */
