# faults-lib.sh - fault injection for tests (source after lib.sh).
# This kernel has no netem: loss is an nftables random drop on a node's
# output, a partition is a drop on the bridge between two ports.
#
#   ft_loss NAME PERCENT    drop PERCENT % of NAME's outgoing UDP (0 removes)
#   ft_partition on|off     drop everything between node1 and node2 ports
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
