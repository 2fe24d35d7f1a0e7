/*
 * iamctl analyze external and iamctl check-no-public-access: who outside
 * the account can do what, found from the policies and each confirmed by
 * one concrete request the engine allows.
 */

#ifndef _IAMCTL_EXTERNAL_H_INCLUDED_
#define _IAMCTL_EXTERNAL_H_INCLUDED_


int iamctl_analyze_external(int argc, char **argv);
int iamctl_check_no_public_access(int argc, char **argv);


#endif /* _IAMCTL_EXTERNAL_H_INCLUDED_ */
