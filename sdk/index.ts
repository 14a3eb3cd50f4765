export { CONFIG_NAMESPACE } from "../provider/config";
