/* test_send_arp.c - unit tests for resources/arp_pkt.c (ARP packets). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "send_arp.h"

static const unsigned char mac1[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void
test_request(void)
{
	unsigned char b[ARP_PKT_LEN];
	struct in_addr ip;
	static const unsigned char want[ARP_PKT_LEN] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 10, 0, 0, 5,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 5 };

	g_assert_cmpint(inet_pton(AF_INET, "10.0.0.5", &ip), ==, 1);
	arp_build(ARP_OP_REQUEST, mac1, ip, b);
	g_assert_cmpmem(b, sizeof(b), want, sizeof(want));
}

static void
test_reply(void)
{
	unsigned char b[ARP_PKT_LEN];
	struct in_addr ip;
	static const unsigned char want[ARP_PKT_LEN] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 192, 168, 2, 5,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 168, 2, 5 };

	g_assert_cmpint(inet_pton(AF_INET, "192.168.2.5", &ip), ==, 1);
	arp_build(ARP_OP_REPLY, mac1, ip, b);
	g_assert_cmpmem(b, sizeof(b), want, sizeof(want));
}

static void
test_hwaddr(void)
{
	unsigned char m[6] = { 9, 9, 9, 9, 9, 9 };
	const unsigned char keep[6] = { 9, 9, 9, 9, 9, 9 };

	g_assert_cmpint(arp_parse_hwaddr("02:11:22:33:44:55", m), ==, 0);
	g_assert_cmpmem(m, 6, mac1, 6);
	memcpy(m, keep, 6);
	g_assert_cmpint(arp_parse_hwaddr("02:11:22:33:44", m), ==, -EINVAL);
	g_assert_cmpint(arp_parse_hwaddr("02:11:22:33:44:55x", m), ==,
			-EINVAL);
	g_assert_cmpint(arp_parse_hwaddr("zz:11:22:33:44:55", m), ==, -EINVAL);
	g_assert_cmpint(arp_parse_hwaddr("", m), ==, -EINVAL);
	g_assert_cmpmem(m, 6, keep, 6);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/send_arp/request", test_request);
	g_test_add_func("/send_arp/reply", test_reply);
	g_test_add_func("/send_arp/hwaddr", test_hwaddr);
	return g_test_run();
}
