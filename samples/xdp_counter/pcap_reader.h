/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small reader for classic pcap files (not pcapng): both byte orders,
 * microsecond and nanosecond variants, Ethernet link type only.  It is a
 * header of static functions so the sample loader and the benchmark runner
 * can share it without another library or build target.
 */
#ifndef RAX_SAMPLE_PCAP_READER_H
#define RAX_SAMPLE_PCAP_READER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
/* Larger than any snap length tcpdump writes: a guard against garbage. */
#define PCAP_MAX_FRAME (256u * 1024u)

struct pcap_reader {
	FILE *file;
	bool swapped;		/* file byte order differs from ours */
	uint32_t linktype;
	uint64_t frame_no;	/* frames returned so far */
	unsigned char *buf;	/* PCAP_MAX_FRAME bytes */
	const char *error;	/* what went wrong, after a negative return */
};

static inline uint32_t pcap_reader_u32(const struct pcap_reader *r, uint32_t v)
{
	return r->swapped ? __builtin_bswap32(v) : v;
}

/* Read exactly @len bytes: 1 done, 0 clean EOF before any byte, <0 error. */
static inline int pcap_reader_read(struct pcap_reader *r, void *dst, size_t len)
{
	size_t got = fread(dst, 1, len, r->file);

	if (got == len)
		return 1;
	if (ferror(r->file)) {
		r->error = "read error";
		return -EIO;
	}
	if (got == 0)
		return 0;
	r->error = "file truncated inside a record";
	return -EBADMSG;
}

static inline void pcap_reader_close(struct pcap_reader *r)
{
	if (r->file)
		fclose(r->file);
	free(r->buf);
	r->file = NULL;
	r->buf = NULL;
}

/**
 * @brief Open @p path and check its pcap file header.
 * @param r reader to initialise (closed with pcap_reader_close(), also on error)
 * @param path pcap file
 * @return 0, or a negative errno with r->error set for format errors
 */
static inline int pcap_reader_open(struct pcap_reader *r, const char *path)
{
	/* magic, version major/minor, thiszone, sigfigs, snaplen, linktype */
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr;
	int err;

	*r = (struct pcap_reader){ 0 };
	r->file = fopen(path, "rb");
	if (!r->file) {
		err = -errno;
		r->error = "cannot open";
		return err;
	}
	r->buf = malloc(PCAP_MAX_FRAME);
	if (!r->buf) {
		r->error = "out of memory";
		return -ENOMEM;
	}
	err = pcap_reader_read(r, &hdr, sizeof(hdr));
	if (err <= 0) {
		r->error = "file shorter than a pcap header";
		return err ? err : -EBADMSG;
	}
	if (hdr.magic == PCAP_MAGIC_USEC || hdr.magic == PCAP_MAGIC_NSEC) {
		r->swapped = false;
	} else if (hdr.magic == __builtin_bswap32(PCAP_MAGIC_USEC) ||
		   hdr.magic == __builtin_bswap32(PCAP_MAGIC_NSEC)) {
		r->swapped = true;
	} else {
		r->error = "not a classic pcap file (bad magic; pcapng is not supported)";
		return -EBADMSG;
	}
	r->linktype = pcap_reader_u32(r, hdr.linktype);
	/* The upper bits carry FCS information, not the link type. */
	if ((r->linktype & 0x03ffffffu) != PCAP_LINKTYPE_ETHERNET) {
		r->error = "link type is not Ethernet (DLT_EN10MB)";
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * @brief Read the next frame.
 * @param r an open reader
 * @param data set to the captured bytes (valid until the next call)
 * @param len set to the number of captured bytes
 * @return 1 for a frame, 0 at the end of the file, or a negative errno
 *	   with r->error set
 */
static inline int pcap_reader_next(struct pcap_reader *r,
				   const unsigned char **data, uint32_t *len)
{
	/* ts_sec, ts_usec (or ns), captured length, original length */
	uint32_t rec[4];
	uint32_t caplen;
	int err;

	err = pcap_reader_read(r, rec, sizeof(rec));
	if (err <= 0)
		return err;
	caplen = pcap_reader_u32(r, rec[2]);
	if (caplen > PCAP_MAX_FRAME) {
		r->error = "record longer than any real frame (corrupt file?)";
		return -EBADMSG;
	}
	err = pcap_reader_read(r, r->buf, caplen);
	if (err == 0 && caplen) {
		r->error = "file truncated inside a record";
		return -EBADMSG;
	}
	if (err < 0)
		return err;
	r->frame_no++;
	*data = r->buf;
	*len = caplen;
	return 1;
}

#endif /* RAX_SAMPLE_PCAP_READER_H */
