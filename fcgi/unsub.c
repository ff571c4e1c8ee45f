/*
 * Unsubscribe tokens (unsub.h).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "secret.h"
#include "unsub.h"

#define UNSUB_MAC	16
#define UNSUB_RAW	(8 + UNSUB_MAC)

static void
unsub_mac(unsigned char out[32], const unsigned char id[8])
{
	unsigned char	 text[13 + 8];

	memcpy(text, "prospea-unsub", 13);
	memcpy(text + 13, id, 8);
	secret_first_mac(out, SECRET_UNSUB, text, sizeof(text));
}

void
unsub_token(char out[UNSUB_TOKEN_LEN + 1], uint64_t message_id)
{
	unsigned char	 raw[UNSUB_RAW], mac[32];
	int		 i;

	for (i = 0; i < 8; i++)
		raw[i] = (unsigned char)(message_id >> (56 - 8 * i));
	unsub_mac(mac, raw);
	memcpy(raw + 8, mac, UNSUB_MAC);
	sodium_bin2base64(out, UNSUB_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

uint64_t
unsub_parse(const char *token)
{
	unsigned char	 raw[UNSUB_RAW], mac[32];
	size_t		 len;
	uint64_t	 id = 0;
	int		 i;

	if (strlen(token) != UNSUB_TOKEN_LEN ||
	    sodium_base642bin(raw, sizeof(raw), token, UNSUB_TOKEN_LEN, NULL,
	    &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		return 0;
	unsub_mac(mac, raw);
	if (sodium_memcmp(mac, raw + 8, UNSUB_MAC) != 0)
		return 0;
	for (i = 0; i < 8; i++)
		id = id << 8 | raw[i];
	return id;
}
