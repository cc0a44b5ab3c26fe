// Cold-start reference: a Worker that answers without any library.
export default {
  fetch() {
    return new Response("1");
  },
};
