/*
 * ngx_iam engine: simulation cases, the JSON interface of DESIGN.md §4.
 *
 *   {"identity_policies":[...], "resource_policy":{...},
 *    "permissions_boundary":{...}, "scps":[[...], ...], "session_policy":{...},
 *    "request":{"principal":..., "action":..., "resource":...,
 *               "resource_account":..., "context":{...}}}
 *
 * gives {"decision": "allowed"|"explicitDeny"|"implicitDeny",
 * "statement": "<policy>/<Sid or index>" or null} (plus "explain" when asked),
 * or {"error": "..."} for an invalid case.
 */

#ifndef _IAM_SIMULATE_H_INCLUDED_
#define _IAM_SIMULATE_H_INCLUDED_


#include <jansson.h>
#include <iam/iam_core.h>


/* a new reference; NULL only when out of memory */
json_t *iam_simulate(const json_t *in, int explain);
json_t *iam_simulate_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));


#endif /* _IAM_SIMULATE_H_INCLUDED_ */
