// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: transactions (the TX group).
 *
 * TXN_BEGIN gives the calling socket a transaction id. A mutating command
 * that carries VVMP_A_TXN_ID is validated against the family's policy and
 * staged (a copy of its attributes), not applied. TXN_COMMIT applies the
 * staged commands in order, all or none:
 *
 * - the registry lock is held for writing, so no other command runs;
 * - vvmp_commit_gate is raised and an RCU grace period waited for: every
 *   bio that entered a named VD's device before has taken its policy and
 *   map, every later one is held by its device until the commit ends, so
 *   no bio sees part of a transaction;
 * - each command runs through its normal handler, which records how to
 *   undo what it changed and what to finish once all succeeded (killing a
 *   replaced map, freeing a deleted object);
 * - if one fails, the changes are undone in reverse order and the error
 *   (with the failing command's extack message) is returned; else they are
 *   finished. The events of the commit are sent only if it succeeds.
 *
 * A transaction belongs to the socket that began it and dies with it.
 */
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "vvmp-nl.h"

bool vvmp_commit_gate;

struct vvmp_txn_op {
	struct list_head node;
	u8 cmd;
	int len;
	struct nlattr attrs[];		/* the command's attribute stream */
};

struct vvmp_txn {
	struct list_head node;
	u32 id;
	u32 portid;
	unsigned int nr_ops;
	struct list_head ops;
	struct list_head undo;		/* during a commit, newest first */
};

/* Transactions one socket may hold open at once. */
#define VVMP_MAX_TXNS_PER_SOCKET	16

static DEFINE_MUTEX(vvmp_txn_lock);
static LIST_HEAD(vvmp_txns);
static u32 vvmp_next_txn_id = 1;

static struct vvmp_txn *vvmp_txn_find(u32 id, u32 portid)
{
	struct vvmp_txn *txn;

	lockdep_assert_held(&vvmp_txn_lock);
	list_for_each_entry(txn, &vvmp_txns, node)
		if (txn->id == id && txn->portid == portid)
			return txn;
	return NULL;
}

static void vvmp_txn_free(struct vvmp_txn *txn)
{
	struct vvmp_txn_op *op, *next;

	list_for_each_entry_safe(op, next, &txn->ops, node)
		kfree(op);
	kfree(txn);
}

/* The transaction a request names; extack set if there is none. */
static struct vvmp_txn *vvmp_txn_of(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VVMP_A_TXN_ID];
	struct vvmp_txn *txn;

	txn = vvmp_txn_find(nla_get_u32(attr), info->snd_portid);
	if (!txn)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "No such transaction on this socket");
	return txn;
}

/**
 * vvmp_txn_stage() - keep a mutating command for its transaction's commit
 * @info: the request, carrying VVMP_A_TXN_ID
 *
 * Return: 0, -ENOENT for an unknown transaction, -E2BIG when it is full.
 */
int vvmp_txn_stage(struct genl_info *info)
{
	int len = genlmsg_len(info->genlhdr);
	struct vvmp_txn_op *op;
	struct vvmp_txn *txn;
	int r = 0;

	mutex_lock(&vvmp_txn_lock);
	txn = vvmp_txn_of(info);
	if (!txn) {
		r = -ENOENT;
		goto out;
	}
	if (txn->nr_ops == VVMP_MAX_TXN_OPS) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_TXN_ID],
				    "Transaction holds the most commands allowed");
		r = -E2BIG;
		goto out;
	}
	op = kmalloc(struct_size(op, attrs, 0) + len, GFP_KERNEL);
	if (!op) {
		r = -ENOMEM;
		goto out;
	}
	op->cmd = info->genlhdr->cmd;
	op->len = len;
	memcpy(op->attrs, genlmsg_data(info->genlhdr), len);
	list_add_tail(&op->node, &txn->ops);
	txn->nr_ops++;
out:
	mutex_unlock(&vvmp_txn_lock);
	return r;
}

/* vaapi_tx_begin */
int vvmp_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_txn *txn, *other;
	struct sk_buff *reply;
	unsigned int open = 0;
	void *hdr;
	int r;

	if (info->attrs[VVMP_A_TXN_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_TXN_ID],
				    "TXN_BEGIN takes no transaction id");
		return -EINVAL;
	}
	reply = vvmp_nl_reply_new(info, &hdr);
	txn = kzalloc(sizeof(*txn), GFP_KERNEL);
	if (!reply || !txn) {
		kfree(txn);
		nlmsg_free(reply);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&txn->ops);
	INIT_LIST_HEAD(&txn->undo);
	txn->portid = info->snd_portid;
	mutex_lock(&vvmp_txn_lock);
	list_for_each_entry(other, &vvmp_txns, node)
		open += other->portid == txn->portid;
	if (open == VVMP_MAX_TXNS_PER_SOCKET) {
		mutex_unlock(&vvmp_txn_lock);
		NL_SET_ERR_MSG(info->extack,
			       "This socket holds the most open transactions allowed");
		kfree(txn);
		nlmsg_free(reply);
		return -E2BIG;
	}
	txn->id = vvmp_next_txn_id++;
	if (!vvmp_next_txn_id)
		vvmp_next_txn_id = 1;
	list_add_tail(&txn->node, &vvmp_txns);
	mutex_unlock(&vvmp_txn_lock);
	r = nla_put_u32(reply, VVMP_A_TXN_ID, txn->id);
	return vvmp_nl_reply_send(reply, hdr, info, r);
}

/* Take a transaction off the list for its commit or abort. */
static struct vvmp_txn *vvmp_txn_take(struct genl_info *info)
{
	struct vvmp_txn *txn;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_TXN_ID))
		return NULL;
	mutex_lock(&vvmp_txn_lock);
	txn = vvmp_txn_of(info);
	if (txn)
		list_del(&txn->node);
	mutex_unlock(&vvmp_txn_lock);
	return txn;
}

/* vaapi_tx_abort */
int vvmp_nl_txn_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_txn *txn = vvmp_txn_take(info);

	if (!txn)
		return info->attrs[VVMP_A_TXN_ID] ? -ENOENT : -EINVAL;
	vvmp_txn_free(txn);
	return 0;
}

/**
 * vvmp_txn_undo_add() - record how to undo a change made in a commit
 * @info: the request being applied (its user_ptr[0] is the transaction)
 * @undo: the record, its callbacks and data set
 *
 * Outside a commit, finishes the change at once and frees @undo.
 */
void vvmp_txn_undo_add(struct genl_info *info, struct vvmp_undo *undo)
{
	struct vvmp_txn *txn = vvmp_nl_txn(info);

	if (!txn) {
		if (undo->finish)
			undo->finish(undo);
		kfree(undo);
		return;
	}
	list_add(&undo->node, &txn->undo);
}

static void vvmp_txn_unwind(struct vvmp_txn *txn, bool commit)
{
	struct vvmp_undo *undo, *next;

	if (commit) {
		/* Finish in the order the changes were made. */
		list_for_each_entry_safe_reverse(undo, next, &txn->undo, node) {
			if (undo->finish)
				undo->finish(undo);
			kfree(undo);
		}
	} else {
		list_for_each_entry_safe(undo, next, &txn->undo, node) {
			if (undo->undo)
				undo->undo(undo);
			kfree(undo);
		}
	}
	INIT_LIST_HEAD(&txn->undo);
}

/**
 * vvmp_gate_close() - hold every new bio of named VDs' devices
 *
 * Caller holds vvmp_registry_lock for writing. On return, every bio that
 * passed the gate has taken its policy and map.
 */
void vvmp_gate_close(void)
{
	WRITE_ONCE(vvmp_commit_gate, true);
	synchronize_rcu();
}

/**
 * vvmp_gate_open() - let held bios go, in order
 *
 * Caller holds vvmp_registry_lock for writing.
 */
void vvmp_gate_open(void)
{
	struct vvmp_port *port;
	struct vvmp_vd *vd;

	WRITE_ONCE(vvmp_commit_gate, false);
	list_for_each_entry(vd, &vvmp_vds, node) {
		mutex_lock(&vd->ctl_lock);
		list_for_each_entry(port, &vd->ports, node)
			vvmp_port_update_policy(port);
		mutex_unlock(&vd->ctl_lock);
	}
}

static int vvmp_txn_apply(struct vvmp_txn *txn, struct genl_info *info)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	struct genlmsghdr genlhdr = { .version = VVMP_GENL_VERSION };
	struct genl_info op_info;
	struct vvmp_txn_op *op;
	int r;

	list_for_each_entry(op, &txn->ops, node) {
		r = nla_parse(tb, VVMP_A_MAX, op->attrs, op->len,
			      vvmp_nl_policy(), info->extack);
		if (r)
			return r;
		genlhdr.cmd = op->cmd;
		op_info = *info;
		op_info.genlhdr = &genlhdr;
		op_info.attrs = tb;
		op_info.user_ptr[0] = txn;
		r = vvmp_nl_apply(op->cmd, &op_info);
		if (r)
			return r;
	}
	return 0;
}

/* vaapi_tx_commit */
int vvmp_nl_txn_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_txn *txn = vvmp_txn_take(info);
	int r;

	if (!txn)
		return info->attrs[VVMP_A_TXN_ID] ? -ENOENT : -EINVAL;

	down_write(&vvmp_registry_lock);
	vvmp_gate_close();
	vvmp_events_hold();
	r = vvmp_txn_apply(txn, info);
	if (r) {
		/* The staged attributes are not in this message. */
		if (!info->extack->_msg)
			info->extack->_msg = info->extack->miss_type ?
				"A staged command lacks a required attribute" :
				"A staged command failed";
		info->extack->bad_attr = NULL;
		info->extack->miss_nest = NULL;
		info->extack->miss_type = 0;
	}
	vvmp_txn_unwind(txn, !r);
	vvmp_events_release(!r);
	vvmp_gate_open();
	up_write(&vvmp_registry_lock);
	vvmp_txn_free(txn);
	return r;
}

/* A socket closed: its transactions go with it, its plans time out. */
static int vvmp_txn_release(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct vvmp_txn *txn, *next;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&vvmp_txn_lock);
	list_for_each_entry_safe(txn, next, &vvmp_txns, node) {
		if (txn->portid == n->portid) {
			list_del(&txn->node);
			vvmp_txn_free(txn);
		}
	}
	mutex_unlock(&vvmp_txn_lock);
	vvmp_exc_socket_closed(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block vvmp_txn_notifier = {
	.notifier_call = vvmp_txn_release,
};

/**
 * vvmp_txn_init() - follow socket closes
 *
 * Return: 0 or a negative errno.
 */
int vvmp_txn_init(void)
{
	return netlink_register_notifier(&vvmp_txn_notifier);
}

/**
 * vvmp_txn_exit() - drop every transaction (module unload)
 */
void vvmp_txn_exit(void)
{
	struct vvmp_txn *txn, *next;

	netlink_unregister_notifier(&vvmp_txn_notifier);
	list_for_each_entry_safe(txn, next, &vvmp_txns, node)
		vvmp_txn_free(txn);
}
