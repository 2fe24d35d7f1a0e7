/*
 * iamctl simulate: DESIGN.md §4.
 */

#ifndef _IAMCTL_SIMULATE_H_INCLUDED_
#define _IAMCTL_SIMULATE_H_INCLUDED_


int iamctl_simulate(int argc, char **argv);


#endif /* _IAMCTL_SIMULATE_H_INCLUDED_ */
