/*
 * jsonwatch.h - did jansson fail to allocate?
 *
 * jansson (2.14) does not report every allocation that fails: its lexer
 * drops a character it cannot save (a string or a number then reads
 * shorter, or valid JSON fails as a syntax error), json_dumps() leaves out
 * an object key it cannot append and still returns the text, and a
 * constructor's NULL is easily lost in a chain of calls.  After
 * nlp_json_watch(), jansson allocates through a malloc() that notes a
 * failure on the calling thread, and nlp_json_failed() says whether one
 * has failed since: a caller that parses or writes JSON checks it, so that
 * out of memory is said as such, never passed on as other data.  While a
 * reserve lasts, a failed allocation is served from it (noted as failed
 * all the same): jansson's lexer does not survive one it is refused.
 */
#ifndef NLP_JSONWATCH_H
#define NLP_JSONWATCH_H

/* Start (or restart) watching jansson's allocations on this thread; the
 * value returned is a mark for nlp_json_failed_since(). */
unsigned long nlp_json_watch(void);

/* Has one of them failed on this thread since the last nlp_json_watch()? */
int nlp_json_failed(void);

/* ... since the watch that returned mark (which calls in between that
 * watch again do not disturb)? */
int nlp_json_failed_since(unsigned long mark);

#endif
