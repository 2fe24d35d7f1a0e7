/*
 * iamctl generate: a least-privilege policy from a principal's decision log.
 */

#ifndef _IAMCTL_GENERATE_H_INCLUDED_
#define _IAMCTL_GENERATE_H_INCLUDED_


int iamctl_generate(int argc, char **argv);


#endif /* _IAMCTL_GENERATE_H_INCLUDED_ */
