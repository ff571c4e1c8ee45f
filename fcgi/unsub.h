/*
 * Unsubscribe tokens: the {token} of /api/v1/u/{token} in every campaign
 * message (List-Unsubscribe, RFC 2369 and RFC 8058; the opt-out line of
 * the body). A token names one sent message (message.id) and proves that
 * Prospea wrote it, so the link needs no session and stores nothing:
 *
 *   base64url, no padding, of  id (8 bytes, big-endian) | MAC (16 bytes)
 *   MAC = first 16 bytes of HMAC-SHA-256("prospea-unsub" | id) keyed with
 *         the SECRET_UNSUB subkey of the first key (secret_first_mac()),
 *
 * 32 characters. The first key never rotates for this purpose, so a link
 * in a message sent long ago keeps working (CNIL: an opt-out must remain
 * simple and effective for as long as the prospect may use it).
 */
#ifndef PROSPEA_UNSUB_H
#define PROSPEA_UNSUB_H

#include <stdint.h>

#define UNSUB_TOKEN_LEN	32

/* The token of message id into out (UNSUB_TOKEN_LEN + 1 bytes). */
void	unsub_token(char out[UNSUB_TOKEN_LEN + 1], uint64_t message_id);

/*
 * The message id of token (NUL-terminated), or 0 when it is not a token
 * this platform wrote (wrong length, alphabet or MAC; compared in
 * constant time).
 */
uint64_t unsub_parse(const char *token);

#endif
