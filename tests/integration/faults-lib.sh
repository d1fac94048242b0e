# faults-lib.sh - fault injection for tests (source after lib.sh).
# This kernel has no netem: loss is an nftables random drop on a node's
# output, a partition is a drop on the bridge between two ports.
#
#   ft_loss NAME PERCENT    drop PERCENT % of NAME's outgoing UDP (0 removes)
#   ft_partition on|off     drop everything between node1 and node2 ports
#   ft_heal_check WHAT MS   after a fault that ended at MS: node2 lets go of
#                           $VIP and the client is answered by node1 on
#                           $VIP:7793 (tcpsvc), each within 1 s
ft_loss() {
	nt_exec "$1" nft delete table inet hbloss 2>/dev/null
	[ "$2" -gt 0 ] || return 0
	nt_exec "$1" nft -f - <<NFT
table inet hbloss {
	chain out {
		type filter hook output priority 0;
		meta l4proto udp numgen random mod 100 < $2 drop
	}
}
NFT
}

ft_partition() {
	ip netns exec "$NT_SW" nft delete table bridge hbpart 2>/dev/null
	[ "$1" = on ] || return 0
	local a=${NT_PORT[node1/eth0]} b=${NT_PORT[node2/eth0]}
	ip netns exec "$NT_SW" nft -f - <<NFT
table bridge hbpart {
	chain cut {
		type filter hook forward priority 0;
		iifname "$a" oifname "$b" drop
		iifname "$b" oifname "$a" drop
	}
}
NFT
}

ft_heal_check() {	# $1: what, $2: ms when the fault ended
	local t_one t_ans
	nt_wait 3 '! hb_holds node2 $VIP' || nt_fail "$1: node2 still holds the VIP"
	t_one=$(( $(nt_ms) - $2 ))
	hb_holds node1 $VIP || nt_fail "$1: node1 lost the VIP"
	nt_wait 3 '[ "$(hb_ask $VIP 7793)" = node1 ]' || nt_fail "$1: client not answered by node1"
	t_ans=$(( $(nt_ms) - $2 ))
	nt_log "$1: one owner after $t_one ms, client answered after $t_ans ms"
	[ $t_one -le 1000 ] || nt_fail "$1: $t_one ms to a single owner"
	[ $t_ans -le 1000 ] || nt_fail "$1: $t_ans ms until the client was answered"
	[ "$(hb_client_mac $VIP)" = "$(hb_mac node1)" ] || nt_fail "$1: client ARP not on node1"
}
