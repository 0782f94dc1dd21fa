// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl: output with one set of field names. Text is "key value" pairs,
 * one object per line, nested lists indented by four spaces; JSON (-j) is
 * a top-level array of objects whose nested lists are arrays under the
 * list's key. Flags print their key in text when true and a boolean in JSON.
 */
#include <inttypes.h>
#include <string.h>

#include "vvmpctl.h"

static void text_field_start(struct ctl *ctl)
{
	if (ctl->line_open)
		fputc(' ', ctl->out);
	ctl->line_open = true;
}

void out_begin(struct ctl *ctl)
{
	ctl->text_depth = 0;
	ctl->line_open = false;
	if (ctl->json) {
		json_init(&ctl->js, ctl->out, ctl->pretty);
		json_begin_array(&ctl->js, NULL);
	}
}

void out_end(struct ctl *ctl)
{
	if (ctl->json) {
		json_end_array(&ctl->js);
		fputc('\n', ctl->out);
	} else if (ctl->line_open) {
		fputc('\n', ctl->out);
		ctl->line_open = false;
	}
}

void out_obj_begin(struct ctl *ctl)
{
	int i;

	if (ctl->json) {
		json_begin_object(&ctl->js, NULL);
		return;
	}
	if (ctl->line_open)
		fputc('\n', ctl->out);
	for (i = 0; i < ctl->text_depth; i++)
		fputs("    ", ctl->out);
	ctl->line_open = false;
}

void out_obj_end(struct ctl *ctl)
{
	if (ctl->json) {
		json_end_object(&ctl->js);
		return;
	}
	if (ctl->line_open)
		fputc('\n', ctl->out);
	ctl->line_open = false;
}

void out_list_begin(struct ctl *ctl, const char *key)
{
	if (ctl->json)
		json_begin_array(&ctl->js, key);
	else
		ctl->text_depth++;
}

void out_list_end(struct ctl *ctl)
{
	if (ctl->json)
		json_end_array(&ctl->js);
	else
		ctl->text_depth--;
}

void out_str(struct ctl *ctl, const char *key, const char *value)
{
	if (ctl->json) {
		json_string(&ctl->js, key, value);
		return;
	}
	text_field_start(ctl);
	/* A value with blanks (client info) is quoted so the line splits back. */
	if (!value[0] || strpbrk(value, " \t\n\"\\"))
		fprintf(ctl->out, "%s ", key), json_escape(ctl->out, value);
	else
		fprintf(ctl->out, "%s %s", key, value);
}

void out_u64(struct ctl *ctl, const char *key, uint64_t value)
{
	if (ctl->json) {
		json_u64(&ctl->js, key, value);
		return;
	}
	text_field_start(ctl);
	fprintf(ctl->out, "%s %" PRIu64, key, value);
}

void out_flag(struct ctl *ctl, const char *key, bool value)
{
	if (ctl->json) {
		json_bool(&ctl->js, key, value);
	} else if (value) {
		text_field_start(ctl);
		fputs(key, ctl->out);
	}
}

void out_u64_array(struct ctl *ctl, const char *key, const uint64_t *v, unsigned int n)
{
	unsigned int i;

	if (ctl->json) {
		json_begin_array(&ctl->js, key);
		for (i = 0; i < n; i++)
			json_u64(&ctl->js, NULL, v[i]);
		json_end_array(&ctl->js);
		return;
	}
	text_field_start(ctl);
	fputs(key, ctl->out);
	for (i = 0; i < n; i++)
		fprintf(ctl->out, " %" PRIu64, v[i]);
}

void out_record_begin(struct ctl *ctl)
{
	ctl->text_depth = 0;
	ctl->line_open = false;
	if (ctl->json) {
		json_init(&ctl->js, ctl->out, ctl->pretty);
		json_begin_object(&ctl->js, NULL);
	}
}

void out_record_end(struct ctl *ctl)
{
	if (ctl->json)
		json_end_object(&ctl->js);
	fputc('\n', ctl->out);
	ctl->line_open = false;
	fflush(ctl->out);
}
